/** Source of "now" for timestamps; injectable so tests and replays are deterministic. */
export type Clock = () => Date;

/** The wall clock. */
export const systemClock: Clock = () => new Date();
