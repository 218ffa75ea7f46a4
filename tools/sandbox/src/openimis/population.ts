/**
 * Deterministic synthetic openIMIS data: families of insurees (Patient + Group), health facilities
 * (Organization), legacy contribution invoices with their policies, claims with their adjudication
 * (ClaimResponse) and claim-batch bills. Shapes follow the backend converters and the shared fixtures.
 */
import { Decimal } from 'decimal.js';
import type { Claim, ClaimResponse, Extension, Group, Invoice, Organization, Patient } from 'fhir/r4';
import {
  addressExtensions,
  codeSystem,
  doubleSlashCodeSystem,
  doubleSlashStructureDefinition,
  identifier,
  reference,
  structureDefinition,
} from './fhir-shapes';
import { createRandom, type SeededRandom } from './random';

/** Options of {@link generatePopulation}. */
export interface PopulationOptions {
  /** Seed of every random choice; the same seed and options always give the same population. */
  readonly seed?: string | number;
  /** Number of families (each has one head insuree). */
  readonly families: number;
  /** Insurees per family including the head, as an inclusive range. Default `[1, 6]`. */
  readonly membersPerFamily?: readonly [number, number];
  /** Number of health facilities. Default: one per 100 families, at least 2. */
  readonly healthFacilities?: number;
  /** Contribution invoices (one policy each) per family. Default 1. */
  readonly invoicesPerFamily?: number;
  /** Number of claims. Default: one per family. */
  readonly claims?: number;
  /** Currency code of contribution invoices and bills. Default `USD` (module default, as in the invoice fixture). */
  readonly currency?: string;
}

/** openIMIS `GenericInvoice.Status` codes (GraphQL `A_<n>`). */
export const INVOICE_STATUS = {
  draft: 0,
  validated: 1,
  paid: 2,
  cancelled: 3,
  deleted: 4,
  suspended: 5,
  unpaid: 6,
  reconciliated: 7,
} as const;

/** One of the {@link INVOICE_STATUS} codes. */
export type InvoiceStatusCode = (typeof INVOICE_STATUS)[keyof typeof INVOICE_STATUS];

/** An invoice line item as GraphQL shows it (`lineItems { lineId lineTypeName amountTotal }`). */
export interface GeneratedLineItem {
  /** UUID of the charged entity (the policy for a contribution invoice, the claim for a claim-batch bill). */
  readonly lineId: string;
  /** Content type name of the line (`policy`, `claim`). */
  readonly lineTypeName: string;
  /** Line total, decimal string with 2 places. */
  readonly amountTotal: string;
}

/** A generated invoice or bill: the FHIR view plus the state only GraphQL exposes. */
export interface GeneratedInvoice {
  /** `invoice` (table `tblInvoice`) or `bill` (table `tblBill`). */
  readonly kind: 'invoice' | 'bill';
  /** The FHIR Invoice as `GET Invoice/<id>/` returns it. */
  readonly resource: Invoice;
  /** Real openIMIS status (FHIR always says `active`). */
  readonly status: InvoiceStatusCode;
  /** Line items with their totals. */
  readonly lineItems: readonly GeneratedLineItem[];
}

/** openIMIS policy status codes. */
export const POLICY_STATUS = { idle: 1, active: 2, suspended: 4, expired: 8, ready: 16 } as const;

/** A family policy behind a contribution invoice (target of `createPremium`). */
export interface GeneratedPolicy {
  /** Policy UUID (= the invoice line item `lineId`). */
  readonly uuid: string;
  /** Family UUID. */
  readonly familyId: string;
  /** Product code, e.g. `BCUL0001`. */
  readonly productCode: string;
  /** Policy value, decimal string with 2 places. */
  readonly value: string;
  /** Policy start date `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Status at generation time (always idle: the contribution is not paid yet). */
  readonly status: number;
}

/** Everything {@link generatePopulation} produces, in creation order. */
export interface OpenImisPopulation {
  readonly patients: Patient[];
  readonly groups: Group[];
  readonly organizations: Organization[];
  readonly claims: Claim[];
  readonly claimResponses: ClaimResponse[];
  readonly invoices: GeneratedInvoice[];
  readonly policies: GeneratedPolicy[];
}

const MALE_NAMES = [
  'John',
  'Peter',
  'Joseph',
  'Emmanuel',
  'Daniel',
  'Baraka',
  'Juma',
  'Hassan',
  'Ibrahim',
  'Samuel',
  'David',
  'Amani',
  'Musa',
  'Salim',
  'Kofi',
  'Moses',
  'Elia',
  'Paulo',
  'Frank',
  'George',
];
const FEMALE_NAMES = [
  'Mary',
  'Grace',
  'Neema',
  'Rehema',
  'Fatuma',
  'Amina',
  'Zawadi',
  'Esther',
  'Anna',
  'Halima',
  'Rose',
  'Agnes',
  'Joyce',
  'Upendo',
  'Sarah',
  'Asha',
  'Mwajuma',
  'Elizabeth',
  'Lucy',
  'Faith',
];
const LAST_NAMES = [
  'Mushi',
  'Mollel',
  'Kimaro',
  'Massawe',
  'Mwakyusa',
  'Lyimo',
  'Temba',
  'Swai',
  'Shirima',
  'Mbwambo',
  'Kisanga',
  'Nyerere',
  'Mrema',
  'Urassa',
  'Minja',
  'Moshi',
  'Kweka',
  'Macha',
  'Ngowi',
  'Tarimo',
  'Mapunda',
  'Komba',
  'Haule',
  'Mbilinyi',
];
const REGIONS: readonly { name: string; districts: readonly string[] }[] = [
  { name: 'Ultha', districts: ['Rapta', 'Jamu'] },
  { name: 'Tahida', districts: ['Mbeya', 'Kilosa', 'Ngoma'] },
];
const WARDS = ['Majengo', 'Kati', 'Mjini', 'Sokoni', 'Bondeni', 'Kilimani'];
const VILLAGES = [
  'Azilia',
  'Bakili',
  'Chaka',
  'Doma',
  'Endo',
  'Fuga',
  'Gezaulole',
  'Hedaru',
  'Ilonga',
  'Jongo',
  'Kisiju',
  'Lunguza',
];
const PRODUCTS: readonly { code: string; lumpSum: string; perMember: string }[] = [
  { code: 'BCUL0001', lumpSum: '4200.00', perMember: '1250.50' },
  { code: 'FCUL0001', lumpSum: '10000.00', perMember: '0.00' },
  { code: 'SCUL0002', lumpSum: '1500.25', perMember: '875.75' },
];
const MEDICATIONS: readonly { code: string; price: string }[] = [
  { code: '0004', price: '10.00' },
  { code: '0182', price: '2.50' },
  { code: '0099', price: '13.75' },
];
const SERVICES: readonly { code: string; price: string }[] = [
  { code: 'M7', price: '21000.00' },
  { code: 'A1', price: '1500.00' },
  { code: 'I113', price: '400.00' },
];
const DIAGNOSES: readonly { code: string; display: string }[] = [
  { code: 'A00', display: 'Cholera' },
  { code: 'B54', display: 'Unspecified malaria' },
  { code: 'J06', display: 'Acute upper respiratory infections' },
  { code: 'O80', display: 'Single spontaneous delivery' },
];
const PROFESSIONS = [
  { code: '1', display: 'Housewife' },
  { code: '2', display: 'Employee' },
  { code: '3', display: 'Self-employed' },
  { code: '4', display: 'Others' },
];
const EDUCATION = [
  { code: '1', display: 'Nursery' },
  { code: '2', display: 'Primary school' },
  { code: '3', display: 'Secondary school' },
  { code: '4', display: 'University' },
];
const MARITAL: Record<string, string> = {
  M: 'Married',
  S: 'Single',
  D: 'Divorced',
  W: 'Widowed',
  U: 'Not specific',
};
const CLAIM_STATUS_DISPLAY: Record<number, string> = {
  1: 'rejected',
  2: 'entered',
  4: 'checked',
  8: 'processed',
  16: 'valuated',
};
/** §6.5: ClaimResponse.outcome per claim status. */
const CLAIM_OUTCOME: Record<number, 'queued' | 'complete' | 'partial'> = {
  1: 'complete',
  2: 'queued',
  4: 'partial',
  8: 'partial',
  16: 'complete',
};
/** Fixed "today" of the generated world, so birth dates and policy dates do not depend on the wall clock. */
const WORLD_YEAR = 2024;
/** Claims are in the currency the backend's claim converter emits in the fixtures. */
const CLAIM_CURRENCY = '$';

interface Village {
  uuid: string;
  name: string;
  ward: string;
  district: string;
  region: string;
}

interface Facility {
  uuid: string;
  code: string;
  name: string;
  adminUuid: string;
  adminCode: string;
  village: Village;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function money(value: string, currency: string): { value: number; currency: string } {
  // FHIR Money.value is a JSON number; the decimal string is the source of truth and has 2 places at most.
  return { value: new Decimal(value).toNumber(), currency };
}

function randomDate(rnd: SeededRandom, fromYear: number, toYear: number): string {
  return `${rnd.int(fromYear, toYear)}-${pad(rnd.int(1, 12))}-${pad(rnd.int(1, 28))}`;
}

function makeVillages(rnd: SeededRandom): Village[] {
  const out: Village[] = [];
  for (const region of REGIONS) {
    for (const district of region.districts) {
      for (let i = 0; i < 2; i++) {
        out.push({
          uuid: rnd.uuid(),
          name: rnd.pick(VILLAGES),
          ward: rnd.pick(WARDS),
          district,
          region: region.name,
        });
      }
    }
  }
  return out;
}

function makeFacility(
  rnd: SeededRandom,
  index: number,
  village: Village,
): { facility: Facility; resource: Organization } {
  const level = rnd.pick(['D', 'C', 'H'] as const);
  const levelDisplay = { D: 'Dispensary', C: 'Health Centre', H: 'Hospital' }[level];
  const code = `${village.district.slice(0, 2).toUpperCase()}${level}${pad(index + 1, 5)}`;
  const name = `${village.name} ${levelDisplay}`;
  const facility: Facility = {
    uuid: rnd.uuid(),
    code,
    name,
    adminUuid: rnd.uuid(),
    adminCode: `CA${pad(index + 1, 5)}`,
    village,
  };
  const careType = level === 'H' ? 'B' : rnd.pick(['O', 'B'] as const);
  const adminFirst = rnd.pick(MALE_NAMES.concat(FEMALE_NAMES));
  const adminLast = rnd.pick(LAST_NAMES);
  const resource: Organization = {
    resourceType: 'Organization',
    id: facility.uuid,
    extension: [
      {
        url: doubleSlashStructureDefinition('organization-hf-level'),
        valueCoding: {
          system: doubleSlashCodeSystem('organization-hf-level'),
          code: level,
          display: levelDisplay,
        },
      },
      {
        url: structureDefinition('organization-legal-form'),
        valueCoding: { system: codeSystem('organization-legal-form'), code: 'G', display: 'Government' },
      },
      {
        url: doubleSlashStructureDefinition('organization-hf-care-type'),
        valueCoding: {
          system: doubleSlashCodeSystem('organization-hf-care-type'),
          code: careType,
          display: careType === 'B' ? 'Both' : 'Out-patient',
        },
      },
    ],
    identifier: [identifier('UUID', facility.uuid), identifier('LC', code)],
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }] }],
    name,
    telecom: [
      { system: 'phone', value: `0${rnd.digits(2)}-${rnd.digits(3)}-${rnd.digits(3)}` },
      { system: 'email', value: `${code.toLowerCase()}@health.example.org` },
    ],
    address: [
      {
        extension: addressExtensions(undefined, village.uuid, true),
        use: 'work',
        type: 'physical',
        city: village.name,
        district: village.district,
        state: village.region,
      },
    ],
    contact: [
      {
        purpose: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/contactentity-type', code: 'PAYOR' }],
        },
        name: { use: 'usual', family: adminLast, given: [adminFirst] },
      },
    ],
  };
  return { facility, resource };
}

interface Member {
  uuid: string;
  chfId: string;
  family: string;
  given: string;
  gender: 'male' | 'female';
  birthDate: string;
  isHead: boolean;
  relation?: { code: string; display: string };
}

function patientResource(
  rnd: SeededRandom,
  m: Member,
  familyUuid: string,
  head: Member,
  village: Village,
  hf: Facility,
): Patient {
  const extension: Extension[] = [
    { url: structureDefinition('patient-is-head'), valueBoolean: m.isHead },
    {
      url: structureDefinition('patient-group-reference'),
      valueReference: reference('Group', familyUuid, head.chfId),
    },
    { url: structureDefinition('patient-card-issued'), valueBoolean: rnd.chance(0.7) },
  ];
  const age = WORLD_YEAR - Number(m.birthDate.slice(0, 4));
  if (age >= 6) {
    const edu = rnd.pick(EDUCATION);
    extension.push({
      url: structureDefinition('patient-education-level'),
      valueCodeableConcept: {
        coding: [{ system: 'CodeSystem/patient-education-level', code: edu.code, display: edu.display }],
      },
    });
  }
  if (age >= 18) {
    const prof = rnd.pick(PROFESSIONS);
    extension.push({
      url: structureDefinition('patient-profession'),
      valueCodeableConcept: {
        coding: [{ system: 'CodeSystem/patient-profession', code: prof.code, display: prof.display }],
      },
    });
  }
  const identifiers = [identifier('UUID', m.uuid), identifier('Code', m.chfId)];
  if (age >= 18 && rnd.chance(0.2)) {
    identifiers.push(identifier('PPN', `P${rnd.digits(8)}`));
  }
  const maritalCode =
    age < 18 ? 'S' : m.isHead || m.relation?.code === '8' ? 'M' : rnd.pick(['S', 'M', 'D', 'W', 'U']);
  const patient: Patient = {
    resourceType: 'Patient',
    id: m.uuid,
    extension,
    identifier: identifiers,
    name: [{ use: 'usual', family: m.family, given: [m.given] }],
    gender: m.gender,
    birthDate: m.birthDate,
    maritalStatus: {
      coding: [{ system: 'http://hl7.org/fhir/valueset-marital-status.html', code: maritalCode }],
      text: MARITAL[maritalCode],
    },
    address: [
      {
        extension: addressExtensions(village.ward, village.uuid),
        use: 'home',
        type: 'physical',
        text: `${village.name}, ${village.ward}`,
        city: village.name,
        district: village.district,
        state: village.region,
      },
    ],
    generalPractitioner: [reference('Organization', hf.uuid, hf.code)],
  };
  if (age >= 16) {
    patient.telecom = [
      { system: 'phone', use: 'home', value: `${rnd.digits(3)}-${rnd.digits(3)}-${rnd.digits(3)}` },
    ];
    if (rnd.chance(0.15)) {
      patient.telecom.push({
        system: 'email',
        use: 'home',
        value: `${m.given}.${m.family}${rnd.digits(2)}@mail.example.org`.toLowerCase(),
      });
    }
  }
  if (!m.isHead && m.relation !== undefined) {
    patient.contact = [
      {
        relationship: [
          {
            coding: [
              {
                system: 'CodeSystem/patient-contact-relationship',
                code: m.relation.code,
                display: m.relation.display,
              },
            ],
          },
        ],
        name: { use: 'usual', family: head.family, given: [head.given] },
      },
    ];
  }
  return patient;
}

function makeMembers(rnd: SeededRandom, size: number, nextChfId: () => string): Member[] {
  const family = rnd.pick(LAST_NAMES);
  const headGender = rnd.chance(0.7) ? 'male' : 'female';
  const headYear = rnd.int(WORLD_YEAR - 70, WORLD_YEAR - 20);
  const head: Member = {
    uuid: rnd.uuid(),
    chfId: nextChfId(),
    family,
    given: rnd.pick(headGender === 'male' ? MALE_NAMES : FEMALE_NAMES),
    gender: headGender,
    birthDate: randomDate(rnd, headYear, headYear),
    isHead: true,
  };
  const members = [head];
  for (let i = 1; i < size; i++) {
    const spouse = i === 1 && rnd.chance(0.8);
    const gender = spouse ? (headGender === 'male' ? 'female' : 'male') : rnd.chance(0.5) ? 'male' : 'female';
    const year = spouse
      ? headYear + rnd.int(-5, 8)
      : rnd.int(Math.max(headYear + 16, WORLD_YEAR - 40), WORLD_YEAR);
    members.push({
      uuid: rnd.uuid(),
      chfId: nextChfId(),
      family,
      given: rnd.pick(gender === 'male' ? MALE_NAMES : FEMALE_NAMES),
      gender,
      birthDate: randomDate(rnd, Math.min(year, WORLD_YEAR), Math.min(year, WORLD_YEAR)),
      isHead: false,
      relation: spouse ? { code: '8', display: 'Spouse' } : { code: '4', display: 'Son/Daughter' },
    });
  }
  return members;
}

function groupResource(
  rnd: SeededRandom,
  familyUuid: string,
  members: readonly Member[],
  village: Village,
): Group {
  const head = members[0];
  if (head === undefined) {
    throw new RangeError('a family needs a head');
  }
  return {
    resourceType: 'Group',
    id: familyUuid,
    extension: [
      {
        url: structureDefinition('group-address'),
        valueAddress: {
          extension: addressExtensions(village.ward, village.uuid),
          use: 'home',
          type: 'physical',
          text: `${village.name}, ${village.ward}`,
          city: village.name,
          district: village.district,
          state: village.region,
        },
      },
      { url: structureDefinition('group-poverty-status'), valueBoolean: rnd.chance(0.3) },
      {
        url: structureDefinition('group-type'),
        valueCodeableConcept: {
          coding: [{ system: 'CodeSystem/group-type', code: 'H', display: 'Household' }],
        },
      },
    ],
    identifier: [identifier('UUID', familyUuid), identifier('Code', head.chfId)],
    // Families have no policy in force until their contribution is paid and a premium recorded.
    active: false,
    // The backend emits "Person" (capitalised, as in the group fixture), not the R4 code `person`.
    type: 'Person' as Group['type'],
    actual: true,
    name: head.family,
    quantity: members.length,
    member: members.map((m) => ({ entity: reference('Patient', m.uuid, m.chfId) })),
  };
}

function invoiceResource(args: {
  uuid: string;
  code: string;
  kind: 'invoice' | 'bill';
  typeCode: string;
  typeDisplay: string;
  recipient: Invoice['recipient'];
  date: string;
  lines: readonly {
    chargeCode: string;
    chargeDisplay: string;
    lineCode: string;
    amount: string;
    factor: number;
  }[];
  total: string;
  currency: string;
}): Invoice {
  const chargeSystem =
    args.kind === 'invoice' ? codeSystem('invoice-charge-item') : codeSystem('bill-charge-item');
  return {
    resourceType: 'Invoice',
    id: args.uuid,
    identifier: [identifier('UUID', args.uuid), identifier('Code', args.code)],
    // Hard-coded by the backend converter; not an R4 Invoice.status code and not the real status (§6.6).
    status: 'active' as Invoice['status'],
    type: {
      coding: [
        {
          system: args.kind === 'invoice' ? codeSystem('invoice-type') : codeSystem('bill-type'),
          code: args.typeCode,
          display: args.typeDisplay,
        },
      ],
    },
    recipient: args.recipient,
    date: args.date,
    lineItem: args.lines.map((line) => ({
      chargeItemCodeableConcept: {
        coding: [{ system: chargeSystem, code: line.chargeCode, display: line.chargeDisplay }],
      },
      priceComponent: [
        {
          extension: [
            {
              url: doubleSlashStructureDefinition('unit-price'),
              valueMoney: money(new Decimal(line.amount).dividedBy(line.factor).toFixed(2), args.currency),
            },
          ],
          type: 'base',
          code: { coding: [{ system: 'Code', code: 'Code', display: line.lineCode }] },
          factor: line.factor,
          amount: money(line.amount, args.currency),
        },
      ],
    })),
    totalNet: money(args.total, args.currency),
    totalGross: money(args.total, args.currency),
  };
}

interface ClaimItemDraft {
  kind: 'item' | 'service';
  code: string;
  uuid: string;
  quantity: number;
  price: string;
  accepted: boolean;
}

function claimPair(
  rnd: SeededRandom,
  seq: number,
  patient: Member,
  hf: Facility,
  catalogue: { medications: Map<string, string>; services: Map<string, string> },
): { claim: Claim; response: ClaimResponse; status: number; valuated: string } {
  const uuid = rnd.uuid();
  const code = `CLM${pad(seq, 7)}`;
  const date = randomDate(rnd, WORLD_YEAR - 1, WORLD_YEAR - 1);
  const status = rnd.pick([1, 2, 4, 8, 16, 16, 16, 16]);
  const items: ClaimItemDraft[] = [];
  const count = rnd.int(1, 3);
  for (let i = 0; i < count; i++) {
    const isService = rnd.chance(0.4);
    const entry = rnd.pick(isService ? SERVICES : MEDICATIONS);
    items.push({
      kind: isService ? 'service' : 'item',
      code: entry.code,
      uuid: (isService ? catalogue.services : catalogue.medications).get(entry.code) ?? rnd.uuid(),
      quantity: isService ? 1 : rnd.int(1, 20),
      price: entry.price,
      accepted: status !== 1 && rnd.chance(0.95),
    });
  }
  const claimed = items
    .reduce((sum, it) => sum.plus(new Decimal(it.price).times(it.quantity)), new Decimal(0))
    .toFixed(2);
  const accepted = items
    .filter((it) => it.accepted)
    .reduce((sum, it) => sum.plus(new Decimal(it.price).times(it.quantity)), new Decimal(0))
    .toFixed(2);
  const diagnosis = rnd.pick(DIAGNOSES);
  const visit = rnd.pick([
    { code: 'O', display: 'Other' },
    { code: 'E', display: 'Emergency' },
    { code: 'R', display: 'Referral' },
  ]);
  const claimType = {
    coding: [{ system: codeSystem('claim-visit-type'), code: visit.code, display: visit.display }],
  };
  const itemReference = (it: ClaimItemDraft): Extension => ({
    url: structureDefinition('claim-item-reference'),
    valueReference: reference(it.kind === 'service' ? 'ActivityDefinition' : 'Medication', it.uuid, it.code),
  });
  const claim: Claim = {
    resourceType: 'Claim',
    id: uuid,
    identifier: [identifier('UUID', uuid), identifier('MR', code)],
    status: 'active',
    type: claimType,
    use: 'claim',
    patient: reference('Patient', patient.uuid, patient.chfId),
    billablePeriod: { start: date, end: date },
    created: date,
    enterer: reference('Practitioner', hf.adminUuid, hf.adminCode),
    provider: reference('Organization', hf.uuid, hf.code),
    priority: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/processpriority',
          code: 'normal',
          display: 'Normal',
        },
      ],
    },
    diagnosis: [
      {
        sequence: 1,
        diagnosisCodeableConcept: {
          coding: [
            {
              system: codeSystem('diagnosis-ICD10-level1'),
              code: diagnosis.code,
              display: diagnosis.display,
            },
          ],
        },
      },
    ],
    insurance: [
      { focal: true, sequence: 1, coverage: { reference: `Coverage/${rnd.uuid()}`, type: 'Coverage' } },
    ],
    item: items.map((it, i) => ({
      extension: [itemReference(it)],
      sequence: i + 1,
      category: { text: it.kind },
      productOrService: { text: it.code },
      quantity: { value: it.quantity },
      unitPrice: money(it.price, CLAIM_CURRENCY),
    })),
    total: money(claimed, CLAIM_CURRENCY),
  };
  const reached = status === 1 ? [1] : [2, 4, 8, 16].filter((s) => s <= status);
  const category = (s: number): { coding: { system: string; code: string; display: string }[] } => ({
    coding: [{ system: codeSystem('claim-status'), code: String(s), display: CLAIM_STATUS_DISPLAY[s] ?? '' }],
  });
  const response: ClaimResponse = {
    resourceType: 'ClaimResponse',
    id: uuid,
    identifier: [identifier('UUID', uuid), identifier('MR', code)],
    status: 'active',
    type: claimType,
    use: 'claim',
    patient: reference('Patient', patient.uuid, patient.chfId),
    created: `${WORLD_YEAR}-01-15`,
    insurer: { reference: 'openIMIS' },
    requestor: reference('Practitioner', hf.adminUuid, hf.adminCode),
    request: reference('Claim', uuid, code),
    outcome: CLAIM_OUTCOME[status] ?? 'queued',
    item: items.map((it, i) => ({
      extension: [itemReference(it)],
      itemSequence: i + 1,
      adjudication: reached.map((s) => ({
        category: category(s),
        reason: {
          coding: [
            {
              system: codeSystem('claim-rejection-reasons'),
              code: it.accepted ? '0' : '2',
              display: it.accepted ? 'ACCEPTED' : 'REJECTED',
            },
          ],
        },
        amount: money(it.price, CLAIM_CURRENCY),
        value: it.quantity,
      })),
    })),
    total: reached.map((s) => ({
      category: category(s),
      amount: money(s === 1 ? '0.00' : accepted, CLAIM_CURRENCY),
    })),
  };
  return { claim, response, status, valuated: accepted };
}

/**
 * Generates a deterministic openIMIS population. Pure: no I/O, no clock, no `Math.random`.
 *
 * @param options - size and seed; see {@link PopulationOptions}
 * @returns the generated resources in creation order
 */
export function generatePopulation(options: PopulationOptions): OpenImisPopulation {
  const rnd = createRandom(options.seed ?? 'openimis');
  const [minMembers, maxMembers] = options.membersPerFamily ?? [1, 6];
  if (options.families < 0 || minMembers < 1 || maxMembers < minMembers) {
    throw new RangeError('families must be >= 0 and membersPerFamily a range [min >= 1, max >= min]');
  }
  const currency = options.currency ?? 'USD';
  const hfCount = options.healthFacilities ?? Math.max(2, Math.ceil(options.families / 100));
  const invoicesPerFamily = options.invoicesPerFamily ?? 1;
  const claimCount = options.claims ?? options.families;

  const villages = makeVillages(rnd);
  const facilities: Facility[] = [];
  const organizations: Organization[] = [];
  for (let i = 0; i < hfCount; i++) {
    const { facility, resource } = makeFacility(rnd, i, rnd.pick(villages));
    facilities.push(facility);
    organizations.push(resource);
  }
  const catalogue = {
    medications: new Map(MEDICATIONS.map((m) => [m.code, rnd.uuid()])),
    services: new Map(SERVICES.map((s) => [s.code, rnd.uuid()])),
  };

  const usedChfIds = new Set<string>();
  const nextChfId = (): string => {
    for (;;) {
      const candidate = `${rnd.int(1, 9)}${rnd.digits(8)}`;
      if (!usedChfIds.has(candidate)) {
        usedChfIds.add(candidate);
        return candidate;
      }
    }
  };

  const patients: Patient[] = [];
  const groups: Group[] = [];
  const invoices: GeneratedInvoice[] = [];
  const policies: GeneratedPolicy[] = [];
  const allMembers: Member[] = [];
  for (let f = 0; f < options.families; f++) {
    const familyUuid = rnd.uuid();
    const village = rnd.pick(villages);
    const hf = facilities.length > 0 ? rnd.pick(facilities) : undefined;
    const members = makeMembers(rnd, rnd.int(minMembers, maxMembers), nextChfId);
    const head = members[0];
    if (head === undefined || hf === undefined) {
      throw new RangeError('a population needs at least one health facility');
    }
    for (const m of members) {
      patients.push(patientResource(rnd, m, familyUuid, head, village, hf));
      allMembers.push(m);
    }
    groups.push(groupResource(rnd, familyUuid, members, village));

    const product = rnd.pick(PRODUCTS);
    for (let k = 0; k < invoicesPerFamily; k++) {
      const month = ((f + k * 3) % 12) + 1;
      const startDate = `${WORLD_YEAR}-${pad(month)}-01`;
      const value = new Decimal(product.perMember).times(members.length).plus(product.lumpSum).toFixed(2);
      const policy: GeneratedPolicy = {
        uuid: rnd.uuid(),
        familyId: familyUuid,
        productCode: product.code,
        value,
        startDate,
        status: POLICY_STATUS.idle,
      };
      policies.push(policy);
      const invoiceUuid = rnd.uuid();
      // Legacy contribution invoice code: IV-<product>-<head CHF id>-<YYYY-MM of policy start> (§6.6).
      const code = `IV-${product.code}-${head.chfId}-${startDate.slice(0, 7)}`;
      invoices.push({
        kind: 'invoice',
        status: INVOICE_STATUS.validated,
        lineItems: [{ lineId: policy.uuid, lineTypeName: 'policy', amountTotal: value }],
        resource: invoiceResource({
          uuid: invoiceUuid,
          code,
          kind: 'invoice',
          typeCode: 'contribution',
          typeDisplay: 'Contribution',
          recipient: reference('Patient', head.uuid, head.chfId),
          date: startDate,
          lines: [
            {
              chargeCode: 'policy',
              chargeDisplay: 'Policy',
              lineCode: product.code,
              amount: value,
              factor: 1,
            },
          ],
          total: value,
          currency,
        }),
      });
    }
  }

  const claims: Claim[] = [];
  const claimResponses: ClaimResponse[] = [];
  const valuatedByHf = new Map<Facility, { uuid: string; code: string; amount: string }[]>();
  for (let c = 0; c < claimCount && allMembers.length > 0; c++) {
    const hf = rnd.pick(facilities);
    const pair = claimPair(rnd, c + 1, rnd.pick(allMembers), hf, catalogue);
    claims.push(pair.claim);
    claimResponses.push(pair.response);
    if (pair.status === 16 && new Decimal(pair.valuated).greaterThan(0)) {
      const list = valuatedByHf.get(hf) ?? [];
      list.push({ uuid: pair.claim.id ?? '', code: `CLM${pad(c + 1, 7)}`, amount: pair.valuated });
      valuatedByHf.set(hf, list);
    }
  }
  // One claim-batch bill per facility with valuated claims: the bill pays the facility.
  for (const hf of facilities) {
    const batch = valuatedByHf.get(hf);
    if (batch === undefined) {
      continue;
    }
    const total = batch.reduce((sum, b) => sum.plus(b.amount), new Decimal(0)).toFixed(2);
    const uuid = rnd.uuid();
    invoices.push({
      kind: 'bill',
      status: INVOICE_STATUS.validated,
      lineItems: batch.map((b) => ({ lineId: b.uuid, lineTypeName: 'claim', amountTotal: b.amount })),
      resource: invoiceResource({
        uuid,
        code: `BL-${hf.code}-${WORLD_YEAR}-01`,
        kind: 'bill',
        typeCode: 'claim-batch',
        typeDisplay: 'Claim batch',
        recipient: reference('Organization', hf.uuid, hf.code),
        date: `${WORLD_YEAR}-01-31`,
        lines: batch.map((b) => ({
          chargeCode: 'claim',
          chargeDisplay: 'Claim',
          lineCode: b.code,
          amount: b.amount,
          factor: 1,
        })),
        total,
        currency,
      }),
    });
  }
  return { patients, groups, organizations, claims, claimResponses, invoices, policies };
}
