import { Decimal } from 'decimal.js';
import type { Reference } from 'fhir/r4';
import { generatePopulation, INVOICE_STATUS } from './population';

const code = (
  ids: { type?: { coding?: { code?: string }[] }; value?: string }[] | undefined,
  type: string,
): string | undefined => ids?.find((i) => i.type?.coding?.[0]?.code === type)?.value;
const lastSegment = (url: string): string =>
  (url.split('/').pop() ?? '').replace(/^(StructureDefinition|CodeSystem)-/, '');
const refId = (ref: Reference | undefined): string => ref?.reference?.split('/').pop() ?? '';

describe('generatePopulation', () => {
  const pop = generatePopulation({ seed: 'shape', families: 60, membersPerFamily: [1, 5], claims: 80 });

  it('builds families with one head each, linked both ways between Patient and Group', () => {
    expect(pop.groups).toHaveLength(60);
    const patients = new Map(pop.patients.map((p) => [p.id, p]));
    for (const group of pop.groups) {
      expect(group.member?.length).toBe(group.quantity);
      const members = (group.member ?? []).map((m) => patients.get(refId(m.entity)));
      expect(members.every((m) => m !== undefined)).toBe(true);
      const heads = members.filter(
        (m) => m?.extension?.find((e) => lastSegment(e.url) === 'patient-is-head')?.valueBoolean === true,
      );
      expect(heads).toHaveLength(1);
      // Group Code identifier = the head's CHF id.
      expect(code(group.identifier, 'Code')).toBe(code(heads[0]?.identifier, 'Code'));
      for (const m of members) {
        const groupRef = m?.extension?.find(
          (e) => lastSegment(e.url) === 'patient-group-reference',
        )?.valueReference;
        expect(refId(groupRef)).toBe(group.id);
      }
    }
  });

  it('gives every insuree a UUID id, a unique 9-digit CHF id and the openIMIS identifier type system', () => {
    const chfIds = new Set<string>();
    for (const p of pop.patients) {
      expect(code(p.identifier, 'UUID')).toBe(p.id);
      const chf = code(p.identifier, 'Code') ?? '';
      expect(chf).toMatch(/^[1-9]\d{8}$/);
      chfIds.add(chf);
      expect(p.identifier?.every((i) => i.system === undefined)).toBe(true);
      expect(p.identifier?.[0]?.type?.coding?.[0]?.system).toBe(
        'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers',
      );
      expect(p.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['male', 'female']).toContain(p.gender);
      expect(p.name?.[0]?.family).toBeTruthy();
      expect(p.name?.[0]?.given?.[0]).toBeTruthy();
    }
    expect(chfIds.size).toBe(pop.patients.length);
  });

  it('prices contribution invoices with 2-decimal totals equal to their line items, billed to the family head', () => {
    const contributions = pop.invoices.filter((i) => i.kind === 'invoice');
    expect(contributions).toHaveLength(60);
    const heads = new Set(pop.groups.map((g) => refId(g.member?.[0]?.entity)));
    for (const inv of contributions) {
      expect(inv.status).toBe(INVOICE_STATUS.validated);
      const total = inv.lineItems.reduce((s, l) => s.plus(l.amountTotal), new Decimal(0));
      expect(total.toFixed(2)).toBe(new Decimal(String(inv.resource.totalGross?.value)).toFixed(2));
      expect(inv.resource.totalGross?.currency).toBe('USD');
      expect(heads.has(refId(inv.resource.recipient))).toBe(true);
      expect(code(inv.resource.identifier, 'Code')).toMatch(/^IV-[A-Z0-9]+-\d{9}-\d{4}-\d{2}$/);
      expect(pop.policies.some((p) => p.uuid === inv.lineItems[0]?.lineId)).toBe(true);
      const unitPrice = inv.resource.lineItem?.[0]?.priceComponent?.[0]?.extension?.[0]?.url;
      expect(unitPrice).toBe(
        'https://openimis.github.io/openimis_fhir_r4_ig//StructureDefinition/unit-price',
      );
    }
  });

  it('adjudicates claims consistently and bills facilities only for valuated claims', () => {
    expect(pop.claims).toHaveLength(80);
    expect(pop.claimResponses).toHaveLength(80);
    const hfIds = new Set(pop.organizations.map((o) => o.id));
    for (const [i, claim] of pop.claims.entries()) {
      const response = pop.claimResponses[i];
      expect(response?.id).toBe(claim.id);
      expect(refId(response?.request)).toBe(claim.id);
      expect(hfIds.has(refId(claim.provider))).toBe(true);
      expect(code(claim.identifier, 'MR')).toMatch(/^CLM\d{7}$/);
    }
    const bills = pop.invoices.filter((i) => i.kind === 'bill');
    expect(bills.length).toBeGreaterThan(0);
    const valuated = new Map(
      pop.claimResponses
        .filter((r) => r.total?.some((t) => t.category.coding?.[0]?.code === '16'))
        .map((r) => [r.id, r.total?.find((t) => t.category.coding?.[0]?.code === '16')?.amount?.value]),
    );
    for (const bill of bills) {
      expect(bill.resource.type?.coding?.[0]?.code).toBe('claim-batch');
      for (const line of bill.lineItems) {
        expect(new Decimal(line.amountTotal).toFixed(2)).toBe(
          new Decimal(String(valuated.get(line.lineId))).toFixed(2),
        );
      }
    }
  });

  it('scales to 10,000 insurees', () => {
    const big = generatePopulation({ seed: 'big', families: 2500, membersPerFamily: [3, 5] });
    expect(big.patients.length).toBeGreaterThanOrEqual(7500);
    expect(big.patients.length).toBeLessThanOrEqual(12500);
    expect(new Set(big.patients.map((p) => p.id)).size).toBe(big.patients.length);
  });
});
