CREATE TABLE `payouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payout_key` text NOT NULL,
	`kind` text NOT NULL,
	`source_id` text NOT NULL,
	`code` text NOT NULL,
	`facility_id` text NOT NULL,
	`facility_code` text NOT NULL,
	`amount` text NOT NULL,
	`currency` text NOT NULL,
	`rail` text NOT NULL,
	`state` text NOT NULL,
	`rail_progress` text,
	`reference` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`next_attempt_at` text NOT NULL,
	`lease_expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`paid_at` text,
	CONSTRAINT "payouts_kind_ck" CHECK("kind" IN ('claim', 'bill')),
	CONSTRAINT "payouts_rail_ck" CHECK("rail" IN ('fineract', 'mojaloop')),
	CONSTRAINT "payouts_state_ck" CHECK("state" IN ('pending', 'in_flight', 'paid', 'failed', 'needs_attention'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_payout_key_uq` ON `payouts` (`payout_key`);--> statement-breakpoint
CREATE INDEX `payouts_state_next_attempt_idx` ON `payouts` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `payouts_facility_idx` ON `payouts` (`facility_id`,`state`);--> statement-breakpoint
CREATE INDEX `payouts_code_idx` ON `payouts` (`code`);