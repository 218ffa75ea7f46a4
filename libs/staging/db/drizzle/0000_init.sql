CREATE TABLE `entity_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`openimis_type` text NOT NULL,
	`openimis_id` text NOT NULL,
	`fineract_type` text NOT NULL,
	`fineract_id` integer NOT NULL,
	`mapped_hash` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entity_links_openimis_uq` ON `entity_links` (`openimis_type`,`openimis_id`,`fineract_type`);--> statement-breakpoint
CREATE UNIQUE INDEX `entity_links_fineract_uq` ON `entity_links` (`fineract_type`,`fineract_id`);--> statement-breakpoint
CREATE TABLE `ledger_invoices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`openimis_invoice_id` text NOT NULL,
	`code` text NOT NULL,
	`kind` text NOT NULL,
	`recipient_type` text NOT NULL,
	`recipient_id` text NOT NULL,
	`amount` text NOT NULL,
	`currency` text NOT NULL,
	`invoice_date` text,
	`due_date` text,
	`fineract_client_id` integer,
	`fineract_charge_id` integer,
	`paid_amount` text DEFAULT '0' NOT NULL,
	`state` text NOT NULL,
	`attention_reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "ledger_invoices_kind_ck" CHECK("kind" IN ('invoice', 'bill')),
	CONSTRAINT "ledger_invoices_state_ck" CHECK("state" IN ('awaiting_payment', 'partially_paid', 'paid', 'notified', 'verified', 'premium_recorded', 'cancelled', 'needs_attention'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_invoices_openimis_invoice_id_uq` ON `ledger_invoices` (`openimis_invoice_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_invoices_code_uq` ON `ledger_invoices` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_invoices_fineract_charge_uq` ON `ledger_invoices` (`fineract_charge_id`);--> statement-breakpoint
CREATE INDEX `ledger_invoices_state_idx` ON `ledger_invoices` (`state`);--> statement-breakpoint
CREATE TABLE `payments_received` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`source_txn_id` text NOT NULL,
	`invoice_id` integer,
	`amount` text NOT NULL,
	`currency` text NOT NULL,
	`payer_ref` text,
	`reference` text,
	`request_hash` text,
	`received_at` text NOT NULL,
	`state` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `ledger_invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_received_source_ck" CHECK("source" IN ('fineract-charge', 'fineract-savings', 'mojaloop', 'fhir')),
	CONSTRAINT "payments_received_state_ck" CHECK("state" IN ('matched', 'needs_attention', 'ignored'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_received_source_txn_uq` ON `payments_received` (`source`,`source_txn_id`);--> statement-breakpoint
CREATE INDEX `payments_received_invoice_idx` ON `payments_received` (`invoice_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`aggregate_ref` text,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`lease_expires_at` text,
	`last_error` text,
	`result` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	CONSTRAINT "outbox_state_ck" CHECK("state" IN ('pending', 'in_progress', 'done', 'dead'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_uq` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_state_next_attempt_idx` ON `outbox` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_aggregate_idx` ON `outbox` (`aggregate_ref`,`id`);--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`resource_type` text PRIMARY KEY NOT NULL,
	`cursor_value` text,
	`seen_ids` text NOT NULL,
	`last_run_started_at` text,
	`last_run_finished_at` text,
	`last_run_outcome` text,
	`last_run_processed` integer,
	`last_run_error` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transaction_id` text,
	`mediator` text NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`outcome` text NOT NULL,
	`http_status` integer,
	`started_at` text NOT NULL,
	`finished_at` text NOT NULL,
	`duration_ms` integer NOT NULL,
	CONSTRAINT "audit_log_outcome_ck" CHECK("outcome" IN ('successful', 'completed', 'completed_with_errors', 'failed', 'processing'))
);
--> statement-breakpoint
CREATE INDEX `audit_log_transaction_idx` ON `audit_log` (`transaction_id`);--> statement-breakpoint
CREATE INDEX `audit_log_started_idx` ON `audit_log` (`started_at`);