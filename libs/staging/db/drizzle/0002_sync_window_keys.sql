CREATE TABLE `sync_window_keys` (
	`resource_type` text NOT NULL,
	`key` text NOT NULL,
	PRIMARY KEY(`resource_type`, `key`),
	FOREIGN KEY (`resource_type`) REFERENCES `sync_cursors`(`resource_type`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Window syncs (the only writers of seen_ids so far) move their keys into the new table.
INSERT OR IGNORE INTO `sync_window_keys` (`resource_type`, `key`)
  SELECT `sync_cursors`.`resource_type`, `j`.`value` FROM `sync_cursors`, json_each(`sync_cursors`.`seen_ids`) AS `j`;--> statement-breakpoint
UPDATE `sync_cursors` SET `seen_ids` = '[]';
