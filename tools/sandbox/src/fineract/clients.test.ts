import { type FineractSimulator, startFineractSimulator } from './index';
import { call, codes, fixture, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');

describe('Fineract simulator: edge, errors and clients', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock, tenants: ['default', 'other'] });
  });

  afterEach(async () => {
    await sim.close();
  });

  describe('tenant and authentication', () => {
    it('answers a missing tenant with a plain-text servlet error', async () => {
      const res = await call(sim, 'GET', '/offices', undefined, { 'fineract-platform-tenantid': null });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('No tenant identifier found');
      expect(res.json).toBeUndefined();
    });

    it('answers an unknown tenant with a plain-text servlet error', async () => {
      const res = await call(sim, 'GET', '/offices', undefined, { 'fineract-platform-tenantid': 'nope' });
      expect(res.status).toBe(400);
      expect(res.text).toBe('The tenant identifier: nope is not valid.');
    });

    it('accepts the tenantIdentifier query parameter as a fallback', async () => {
      const res = await call(sim, 'GET', '/offices?tenantIdentifier=default', undefined, {
        'fineract-platform-tenantid': null,
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual([
        expect.objectContaining({ id: 1, name: 'Head Office', openingDate: [2009, 1, 1] }),
      ]);
    });

    it('answers bad credentials with 401 JSON and WWW-Authenticate', async () => {
      const res = await call(sim, 'GET', '/offices', undefined, {
        authorization: `Basic ${Buffer.from('mifos:wrong').toString('base64')}`,
      });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Fineract Platform API"');
      expect(res.json).toMatchObject({
        httpStatusCode: '401',
        userMessageGlobalisationCode: 'error.msg.not.authenticated',
      });
      const none = await call(sim, 'GET', '/offices', undefined, { authorization: null });
      expect(none.status).toBe(401);
    });

    it('authenticates with credentials in the body of POST /authentication', async () => {
      const ok = await call(
        sim,
        'POST',
        '/authentication',
        { username: 'mifos', password: 'password' },
        { authorization: null },
      );
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({
        username: 'mifos',
        authenticated: true,
        base64EncodedAuthenticationKey: Buffer.from('mifos:password').toString('base64'),
      });
      const bad = await call(
        sim,
        'POST',
        '/authentication',
        { username: 'mifos', password: 'x' },
        { authorization: null },
      );
      expect(bad.status).toBe(401);
      const extra = await call(
        sim,
        'POST',
        '/authentication',
        { username: 'mifos', password: 'password', tenant: 'x' },
        { authorization: null },
      );
      expect(extra.status).toBe(400);
      expect(codes(extra)).toEqual(['error.msg.parameter.unsupported']);
    });

    it('keeps tenants apart', async () => {
      expect((await call(sim, 'POST', '/clients', personClient({ externalId: 'x-1' }))).status).toBe(200);
      const other = await call(sim, 'GET', '/clients?externalId=x-1', undefined, {
        'fineract-platform-tenantid': 'other',
      });
      expect(other.json).toEqual({ totalFilteredRecords: 0, pageItems: [] });
      expect(sim.state.tenant('other').clients.size).toBe(0);
      expect(sim.state.clients.size).toBe(1);
    });
  });

  describe('request rules', () => {
    it('rejects an unknown key with error.msg.parameter.unsupported and its parameterName', async () => {
      const res = await call(sim, 'POST', '/clients', personClient({ nationalId: '123', officeName: 'x' }));
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        httpStatusCode: '400',
        userMessageGlobalisationCode: 'validation.msg.validation.errors.exist',
        errors: [
          { userMessageGlobalisationCode: 'error.msg.parameter.unsupported', parameterName: 'nationalId' },
          { userMessageGlobalisationCode: 'error.msg.parameter.unsupported', parameterName: 'officeName' },
        ],
      });
      expect(sim.state.clients.size).toBe(0);
    });

    it('rejects malformed JSON and non-object bodies', async () => {
      for (const body of ['{"officeId": 1,', '[1,2]', '{"a": 01}', '"text"']) {
        const res = await call(sim, 'POST', '/clients', body);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({
          httpStatusCode: '400',
          userMessageGlobalisationCode: 'error.msg.invalid.json',
          errors: [],
        });
      }
    });

    it('answers a missing body with a bare error.msg.invalid.request.body parameter error', async () => {
      const res = await call(sim, 'POST', '/clients', '');
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        developerMessage: 'The JSON provided in the body of the request is invalid or missing.',
        defaultUserMessage: 'The JSON provided in the body of the request is invalid or missing.',
        userMessageGlobalisationCode: 'error.msg.invalid.request.body',
        parameterName: 'id',
        value: null,
        args: [],
      });
    });

    it('rejects officeId and groupId on update as unsupported', async () => {
      await call(sim, 'POST', '/clients', personClient());
      const res = await call(sim, 'PUT', '/clients/1', { officeId: 2, groupId: 1 });
      expect(res.status).toBe(400);
      expect(
        (res.json as { errors: { parameterName: string }[] }).errors.map((e) => e.parameterName),
      ).toEqual(['officeId', 'groupId']);
    });

    it('answers an unknown ?command= with 400 and an unknown path with 404', async () => {
      await call(sim, 'POST', '/clients', personClient());
      const cmd = await call(sim, 'POST', '/clients/1?command=explode', {});
      expect(cmd.status).toBe(400);
      expect(codes(cmd)).toEqual(['error.msg.unknown.command.value']);
      const path = await call(sim, 'GET', '/loans/1');
      expect(path.status).toBe(404);
    });

    it('answers an unknown client with 404 and error.msg.client.id.invalid in errors[0]', async () => {
      for (const path of ['/clients/99', '/clients/external-id/unknown']) {
        const res = await call(sim, 'GET', path);
        expect(res.status).toBe(404);
        expect(res.json).toMatchObject({
          httpStatusCode: '404',
          userMessageGlobalisationCode: 'error.msg.resource.not.found',
        });
        expect(codes(res)).toEqual(['error.msg.client.id.invalid']);
      }
    });
  });

  describe('required fields (legacy fixtures)', () => {
    it('rejects the legacy client example, which lacks legalFormId', async () => {
      const { request } = fixture('01-post-clients.json') as { request: Record<string, unknown> };
      const res = await call(sim, 'POST', '/clients', request);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        userMessageGlobalisationCode: 'validation.msg.validation.errors.exist',
      });
      expect(res.json).toMatchObject({
        errors: [
          {
            userMessageGlobalisationCode: 'validation.msg.client.legalFormId.cannot.be.blank',
            parameterName: 'legalFormId',
          },
        ],
      });
    });

    it('accepts the legacy client example once legalFormId is added, with the savings account of savingsProductId', async () => {
      const { request } = fixture('01-post-clients.json') as { request: Record<string, unknown> };
      const res = await call(sim, 'POST', '/clients', { ...request, legalFormId: 1, savingsProductId: 1 });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        officeId: 1,
        clientId: 1,
        resourceId: 1,
        resourceExternalId: '786YYH7',
        savingsId: 1,
      });
      expect(sim.state.savingsAccounts.get(1)).toMatchObject({
        status: 300,
        clientId: 1,
        activatedOnDate: '2009-03-04',
      });
    });

    it('rejects the legacy batch client body (no legalFormId) and accepts the entity client of the batch test', async () => {
      const batch = fixture('06-batch-enclosing-transaction.json') as { request: { body: string }[] };
      const legacy = await call(sim, 'POST', '/clients', batch.request[0]?.body);
      expect(codes(legacy)).toContain('validation.msg.client.legalFormId.cannot.be.blank');
      const entity = fixture('08-batch-with-idempotency-key.json') as { request: { body: string }[] };
      const ok = await call(sim, 'POST', '/clients', entity.request[0]?.body);
      expect(ok.status).toBe(200);
      expect(sim.state.clients.get(1)).toMatchObject({
        legalFormId: 2,
        fullname: 'Current Company 1',
        displayName: 'Current Company 1',
      });
    });

    it('lists every missing required field of a client', async () => {
      const res = await call(sim, 'POST', '/clients', { dateFormat: 'yyyy-MM-dd', locale: 'en' });
      expect(res.status).toBe(400);
      expect(codes(res)).toEqual([
        'validation.msg.client.officeId.cannot.be.blank',
        'validation.msg.client.id..no.name.details.passed',
        'validation.msg.client.active.must.be.true.or.false',
        'validation.msg.client.legalFormId.cannot.be.blank',
      ]);
    });

    it('requires activationDate for an active client and checks names and the legal form range', async () => {
      const noDate = await call(sim, 'POST', '/clients', personClient({ activationDate: undefined }));
      expect(codes(noDate)).toEqual(['validation.msg.client.activationDate.cannot.be.blank']);
      const both = await call(sim, 'POST', '/clients', personClient({ fullname: 'Petra Yton' }));
      expect(codes(both)).toEqual([
        'validation.msg.client.fullname.cannot.also.be.provided.when.firstname.is.populated',
        'validation.msg.client.fullname.cannot.also.be.provided.when.lastname.is.populated',
      ]);
      const noLast = await call(sim, 'POST', '/clients', personClient({ lastname: undefined }));
      expect(codes(noLast)).toEqual(['validation.msg.client.lastname.cannot.be.blank']);
      const badForm = await call(sim, 'POST', '/clients', personClient({ legalFormId: 3 }));
      expect(codes(badForm)).toEqual(['validation.msg.client.legalFormId.is.not.within.expected.range']);
      const longExt = await call(sim, 'POST', '/clients', personClient({ externalId: 'x'.repeat(101) }));
      expect(codes(longExt)).toEqual(['validation.msg.client.externalId.exceeds.max.length']);
    });

    it('answers unknown reference ids with 404', async () => {
      const office = await call(sim, 'POST', '/clients', personClient({ officeId: 9 }));
      expect(office.status).toBe(404);
      expect(codes(office)).toEqual(['error.msg.office.id.invalid']);
      const gender = await call(sim, 'POST', '/clients', personClient({ genderId: 31 }));
      expect(codes(gender)).toEqual(['error.msg.codevalue.id.invalid']);
      const product = await call(sim, 'POST', '/clients', personClient({ savingsProductId: 7 }));
      expect(codes(product)).toEqual(['error.msg.savingsproduct.id.invalid']);
    });
  });

  describe('dates', () => {
    it('requires dateFormat and locale whenever a date is present', async () => {
      const noFormat = await call(sim, 'POST', '/clients', personClient({ dateFormat: undefined }));
      expect(codes(noFormat)).toContain('validation.msg.missing.dateFormat.parameter');
      const noLocale = await call(sim, 'POST', '/clients', personClient({ locale: undefined }));
      expect(codes(noLocale)).toContain('validation.msg.missing.locale.parameter');
    });

    it('parses the date with the given Java pattern and rejects a mismatch or an impossible date', async () => {
      const mismatch = await call(sim, 'POST', '/clients', personClient({ dateFormat: 'dd MMMM yyyy' }));
      expect(codes(mismatch)).toEqual([
        'validation.msg.invalid.date.format',
        'validation.msg.invalid.date.format',
      ]);
      const impossible = await call(
        sim,
        'POST',
        '/clients',
        personClient({ activationDate: '2023-02-30', submittedOnDate: '2023-02-01' }),
      );
      expect(codes(impossible)).toEqual(['validation.msg.invalid.date.format']);
      const badPattern = await call(
        sim,
        'POST',
        '/clients',
        personClient({ dateFormat: 'yyyy-MM-dd HH:mm' }),
      );
      expect(codes(badPattern)).toContain('validation.msg.invalid.dateFormat.format');
    });

    it.each([
      ['yyyy-MM-dd', '2024-01-15'],
      ['dd MMMM yyyy', '15 January 2024'],
      ['dd-MM-yyyy', '15-01-2024'],
      ['dd/MM/yyyy', '15/01/2024'],
      ['d MMM yyyy', '15 Jan 2024'],
    ])('accepts %s and answers dates as [y, m, d] arrays', async (dateFormat, date) => {
      const res = await call(
        sim,
        'POST',
        '/clients',
        personClient({ dateFormat, activationDate: date, submittedOnDate: date }),
      );
      expect(res.status).toBe(200);
      const client = await call(sim, 'GET', '/clients/1');
      expect(client.json).toMatchObject({
        activationDate: [2024, 1, 15],
        timeline: { submittedOnDate: [2024, 1, 15], activatedOnDate: [2024, 1, 15] },
      });
    });

    it('rejects activation in the future or before submission, and birth dates after submission', async () => {
      const future = await call(
        sim,
        'POST',
        '/clients',
        personClient({ activationDate: '2024-06-02', submittedOnDate: '2024-06-01' }),
      );
      expect(codes(future)).toEqual(['validation.msg.client.activationDate.cannot.be.a.future.date']);
      const before = await call(sim, 'POST', '/clients', personClient({ activationDate: '2024-01-14' }));
      expect(codes(before)).toEqual([
        'validation.msg.client.activationDate.cannot.be.before.submittedOnDate',
      ]);
      const birth = await call(sim, 'POST', '/clients', personClient({ dateOfBirth: '2024-02-01' }));
      expect(codes(birth)).toEqual(['validation.msg.client.dateOfBirth.is.greater.than.date']);
    });
  });

  describe('uniqueness', () => {
    it('answers a duplicate externalId or mobileNo with 403 (not 409)', async () => {
      expect(
        (
          await call(
            sim,
            'POST',
            '/clients',
            personClient({ externalId: 'uuid-1', mobileNo: '+255700000001' }),
          )
        ).status,
      ).toBe(200);
      const dupExt = await call(sim, 'POST', '/clients', personClient({ externalId: 'uuid-1' }));
      expect(dupExt.status).toBe(403);
      expect(dupExt.json).toMatchObject({
        httpStatusCode: '403',
        userMessageGlobalisationCode: 'error.msg.client.duplicate.externalId',
        errors: [
          {
            userMessageGlobalisationCode: 'error.msg.client.duplicate.externalId',
            parameterName: 'externalId',
            defaultUserMessage: 'Client with externalId `uuid-1` already exists',
          },
        ],
      });
      const dupMobile = await call(
        sim,
        'POST',
        '/clients',
        personClient({ externalId: 'uuid-2', mobileNo: '+255700000001' }),
      );
      expect(dupMobile.status).toBe(403);
      expect(codes(dupMobile)).toEqual(['error.msg.client.duplicate.mobileNo']);
      expect(sim.state.clients.size).toBe(1);
    });

    it('answers a duplicate group externalId with 403', async () => {
      const group = {
        officeId: 1,
        name: 'Family A',
        externalId: 'fam-1',
        active: true,
        activationDate: '2024-01-15',
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      };
      expect((await call(sim, 'POST', '/groups', group)).status).toBe(200);
      const dup = await call(sim, 'POST', '/groups', { ...group, name: 'Family B' });
      expect(dup.status).toBe(403);
      expect(codes(dup)).toEqual(['error.msg.group.duplicate.externalId']);
    });
  });

  describe('reads, updates and commands', () => {
    it('finds a client by externalId (list filter and external-id path)', async () => {
      await call(
        sim,
        'POST',
        '/clients',
        personClient({ externalId: '2f6c1d4e', mobileNo: '+255700000001' }),
      );
      const list = await call(sim, 'GET', '/clients?externalId=2f6c1d4e');
      expect(list.json).toMatchObject({
        totalFilteredRecords: 1,
        pageItems: [{ id: 1, externalId: '2f6c1d4e' }],
      });
      const byExt = await call(sim, 'GET', '/clients/external-id/2f6c1d4e');
      expect(byExt.json).toMatchObject({
        id: 1,
        status: { id: 300, code: 'clientStatusType.active', value: 'Active' },
        legalForm: { id: 1, code: 'legalFormType.person', value: 'PERSON' },
        displayName: 'Petra Yton',
        officeName: 'Head Office',
      });
    });

    it('updates only what changed and reports the changes', async () => {
      await call(sim, 'POST', '/clients', personClient({ externalId: 'e1' }));
      await call(sim, 'POST', '/clients', personClient({ externalId: 'e2', mobileNo: '+1' }));
      const res = await call(sim, 'PUT', '/clients/1', {
        firstname: 'Petra',
        lastname: 'Ytonen',
        mobileNo: '+2',
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        officeId: 1,
        clientId: 1,
        resourceId: 1,
        changes: { lastname: 'Ytonen', mobileNo: '+2', displayName: 'Petra Ytonen' },
      });
      const dup = await call(sim, 'PUT', '/clients/external-id/e1', { mobileNo: '+1' });
      expect(dup.status).toBe(403);
      expect(codes(dup)).toEqual(['error.msg.client.duplicate.mobileNo']);
    });

    it('activates a pending client once, creating the savings account of its product', async () => {
      await call(
        sim,
        'POST',
        '/clients',
        personClient({ active: false, activationDate: undefined, savingsProductId: 1 }),
      );
      expect(sim.state.clients.get(1)?.status).toBe(100);
      const act = await call(sim, 'POST', '/clients/1?command=activate', {
        activationDate: '2024-02-01',
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      });
      expect(act.status).toBe(200);
      expect(act.json).toMatchObject({
        clientId: 1,
        resourceId: 1,
        savingsId: 1,
        changes: { status: { id: 300 } },
      });
      const again = await call(sim, 'POST', '/clients/1?command=activate', {
        activationDate: '2024-02-01',
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      });
      expect(again.status).toBe(403);
      expect(again.json).toMatchObject({
        userMessageGlobalisationCode: 'validation.msg.domain.rule.violation',
      });
    });

    it('creates a group with members from the legacy example and associates more clients', async () => {
      await call(
        sim,
        'POST',
        '/clients',
        personClient({ activationDate: '2009-03-04', submittedOnDate: '2009-03-04' }),
      );
      await call(sim, 'POST', '/clients', personClient({ firstname: 'Ann' }));
      const { request, response } = fixture('02-post-groups.json') as {
        request: Record<string, unknown>;
        response: unknown;
      };
      const res = await call(sim, 'POST', '/groups', request);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ ...(response as object), resourceExternalId: '000-1A' });
      const assoc = await call(sim, 'POST', '/groups/1?command=associateClients', { clientMembers: [2] });
      expect(assoc.status).toBe(200);
      const again = await call(sim, 'POST', '/groups/1?command=associateClients', { clientMembers: ['2'] });
      expect(again.status).toBe(403);
      const group = await call(sim, 'GET', '/groups/1?associations=clientMembers');
      expect(group.json).toMatchObject({
        id: 1,
        name: 'First Group',
        activationDate: [2009, 3, 4],
        clientMembers: [{ id: 1 }, { id: 2 }],
      });
      const client = await call(sim, 'GET', '/clients/2');
      expect(client.json).toMatchObject({ groups: [{ id: 1, name: 'First Group' }] });
    });
  });
});
