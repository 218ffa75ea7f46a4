import { and, eq, sql } from 'drizzle-orm';
import { ConflictError, NotFoundError } from '@payment-layer/shared-errors';
import { type Clock, systemClock } from './clock';
import { entityLinks } from './schema/index';
import type { StagingDb } from './staging-db';
import { canonicalUuid, checkId, checkText, isoTimestamp } from './values';

/** FHIR resource types openIMIS resources are linked from (open for others). */
export type OpenimisResourceType =
  'Patient' | 'Group' | 'Organization' | 'Invoice' | 'ClaimResponse' | (string & {});

/** Fineract entity kinds openIMIS resources are linked to (open for others). */
export type FineractEntityType =
  'client' | 'group' | 'savingsAccount' | 'clientCharge' | 'savingsTransaction' | (string & {});

/** A stored link between an openIMIS resource and a Fineract entity. */
export type EntityLink = typeof entityLinks.$inferSelect;

/** Input of {@link LinkRepository.upsertLink}. */
export interface LinkInput {
  readonly openimisType: OpenimisResourceType;
  /** openIMIS UUID (any case; stored lower-case). */
  readonly openimisId: string;
  readonly fineractType: FineractEntityType;
  readonly fineractId: number;
  /** Hash of the payload just written to Fineract; left unchanged when omitted. */
  readonly mappedHash?: string | null;
}

/** Result of {@link LinkRepository.upsertLink}. */
export interface UpsertLinkResult {
  readonly link: EntityLink;
  /** True when the link did not exist before. */
  readonly created: boolean;
}

/** openIMIS ↔ Fineract id links. */
export class LinkRepository {
  constructor(
    private readonly db: StagingDb,
    private readonly clock: Clock = systemClock,
  ) {}

  // Hot paths (every upsert) use statements prepared once: building the query each call costs more than running it.
  private statements: ReturnType<typeof prepareLinkStatements> | undefined;

  private get q(): ReturnType<typeof prepareLinkStatements> {
    return (this.statements ??= prepareLinkStatements(this.db));
  }

  /**
   * The Fineract entity of one kind linked to an openIMIS resource.
   *
   * @param openimisType - FHIR resource type
   * @param openimisId - openIMIS UUID
   * @param fineractType - Fineract entity kind
   * @returns the link, or undefined
   */
  findByOpenimis(
    openimisType: OpenimisResourceType,
    openimisId: string,
    fineractType: FineractEntityType,
  ): EntityLink | undefined {
    const id = canonicalUuid(openimisId, 'openimisId');
    return this.q.byOpenimis.get({ openimisType, openimisId: id, fineractType });
  }

  /**
   * Every Fineract entity linked to an openIMIS resource (e.g. its client and savings account).
   *
   * @param openimisType - FHIR resource type
   * @param openimisId - openIMIS UUID
   * @returns the links, oldest first
   */
  listByOpenimis(openimisType: OpenimisResourceType, openimisId: string): EntityLink[] {
    const id = canonicalUuid(openimisId, 'openimisId');
    return this.db.orm
      .select()
      .from(entityLinks)
      .where(and(eq(entityLinks.openimisType, openimisType), eq(entityLinks.openimisId, id)))
      .orderBy(entityLinks.id)
      .all();
  }

  /**
   * The openIMIS resource a Fineract entity belongs to.
   *
   * @param fineractType - Fineract entity kind
   * @param fineractId - Fineract id
   * @returns the link, or undefined
   */
  findByFineract(fineractType: FineractEntityType, fineractId: number): EntityLink | undefined {
    return this.q.byFineract.get({ fineractType, fineractId });
  }

  /**
   * Records a link, idempotently: the same link again only refreshes `mappedHash` (when given).
   *
   * @param input - both ends of the link
   * @returns the link and whether it was created
   * @throws ConflictError when either end is already linked to something else
   */
  upsertLink(input: LinkInput): UpsertLinkResult {
    const openimisType = checkText(input.openimisType, 'openimisType', 64);
    const openimisId = canonicalUuid(input.openimisId, 'openimisId');
    const fineractType = checkText(input.fineractType, 'fineractType', 64);
    const fineractId = checkId(input.fineractId, 'fineractId');
    // The common case, a new link, is one statement: the unique indexes on both ends refuse what the checks below
    // would refuse, so only an existing end needs the read-compare-write transaction.
    const inserted = this.q.insertLinkIfAbsent.get({
      openimisType,
      openimisId,
      fineractType,
      fineractId,
      mappedHash: input.mappedHash ?? null,
      now: isoTimestamp(this.clock()),
    });
    if (inserted !== undefined) {
      return { link: inserted, created: true };
    }
    return this.db.transaction(() => {
      const now = isoTimestamp(this.clock());
      const byOpenimis = this.findByOpenimis(openimisType, openimisId, fineractType);
      if (byOpenimis !== undefined && byOpenimis.fineractId !== fineractId) {
        throw new ConflictError(
          `${openimisType}/${openimisId} is already linked to ${fineractType} ${byOpenimis.fineractId}`,
        );
      }
      const byFineract = this.findByFineract(fineractType, fineractId);
      if (byFineract !== undefined && byFineract.id !== byOpenimis?.id) {
        throw new ConflictError(
          `${fineractType} ${fineractId} is already linked to ${byFineract.openimisType}/${byFineract.openimisId}`,
        );
      }
      if (byOpenimis !== undefined) {
        if (input.mappedHash === undefined || input.mappedHash === byOpenimis.mappedHash) {
          return { link: byOpenimis, created: false };
        }
        const link = this.db.orm
          .update(entityLinks)
          .set({ mappedHash: input.mappedHash, updatedAt: now })
          .where(eq(entityLinks.id, byOpenimis.id))
          .returning()
          .get();
        return { link, created: false };
      }
      const link = this.q.insertLinkIfAbsent.get({
        openimisType,
        openimisId,
        fineractType,
        fineractId,
        mappedHash: input.mappedHash ?? null,
        now,
      });
      if (link === undefined) {
        // Another connection linked one of the ends between the checks above and this insert.
        throw new ConflictError(
          `${openimisType}/${openimisId} or ${fineractType} ${fineractId} was linked concurrently`,
        );
      }
      return { link, created: true };
    });
  }

  /**
   * Stores the hash of the payload last written to Fineract for a link.
   *
   * @param linkId - the link's id
   * @param mappedHash - the new hash (null forces the next write)
   * @returns the updated link
   * @throws NotFoundError when there is no such link
   */
  updateMappedHash(linkId: number, mappedHash: string | null): EntityLink {
    const link = this.db.orm
      .update(entityLinks)
      .set({ mappedHash, updatedAt: isoTimestamp(this.clock()) })
      .where(eq(entityLinks.id, linkId))
      .returning()
      .get();
    if (link === undefined) {
      throw new NotFoundError(`no entity link ${linkId}`);
    }
    return link;
  }
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the prepared-query types are inferred from the queries
function prepareLinkStatements(db: StagingDb) {
  return {
    byOpenimis: db.orm
      .select()
      .from(entityLinks)
      .where(
        and(
          eq(entityLinks.openimisType, sql.placeholder('openimisType')),
          eq(entityLinks.openimisId, sql.placeholder('openimisId')),
          eq(entityLinks.fineractType, sql.placeholder('fineractType')),
        ),
      )
      .prepare(),

    byFineract: db.orm
      .select()
      .from(entityLinks)
      .where(
        and(
          eq(entityLinks.fineractType, sql.placeholder('fineractType')),
          eq(entityLinks.fineractId, sql.placeholder('fineractId')),
        ),
      )
      .prepare(),

    insertLinkIfAbsent: db.orm
      .insert(entityLinks)
      .values({
        openimisType: sql.placeholder('openimisType'),
        openimisId: sql.placeholder('openimisId'),
        fineractType: sql.placeholder('fineractType'),
        fineractId: sql.placeholder('fineractId'),
        mappedHash: sql.placeholder('mappedHash'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .onConflictDoNothing()
      .returning()
      .prepare(),
  };
}
