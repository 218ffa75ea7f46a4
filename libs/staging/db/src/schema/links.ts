import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * One link between an openIMIS resource (FHIR type + UUID) and a Fineract entity (type + id).
 * A resource may own several Fineract entities (a client and its savings account), but each of them only once,
 * and a Fineract entity belongs to exactly one openIMIS resource.
 */
export const entityLinks = sqliteTable(
  'entity_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** FHIR resource type as openIMIS serves it: `Patient`, `Group`, `Organization`, `Invoice`, ... */
    openimisType: text('openimis_type').notNull(),
    /** openIMIS UUID, stored lower-case. */
    openimisId: text('openimis_id').notNull(),
    /** Fineract entity kind: `client`, `group`, `savingsAccount`, `clientCharge`, ... */
    fineractType: text('fineract_type').notNull(),
    fineractId: integer('fineract_id').notNull(),
    /** Hash of the last payload written to Fineract for this link; an unchanged resource needs no write. */
    mappedHash: text('mapped_hash'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('entity_links_openimis_uq').on(t.openimisType, t.openimisId, t.fineractType),
    uniqueIndex('entity_links_fineract_uq').on(t.fineractType, t.fineractId),
  ],
);
