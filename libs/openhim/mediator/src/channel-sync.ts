import type { ChannelDefinition, RouteDefinition } from './definition';

/** A channel as `GET /channels` returns it (only the fields the sync reads). */
export interface InstalledChannel {
  readonly _id: string;
  readonly name: string;
  /** Core's routes; fields this type does not name (e.g. `cert`) are carried over untouched. */
  readonly routes?: readonly RouteDefinition[];
  readonly [extra: string]: unknown;
}

/**
 * The connection fields of a route the mediator owns: how core reaches this mediator instance and the credentials
 * it presents. They come from the mediator's environment, so the mediator keeps them current; every other field of
 * a channel or route is the operator's.
 */
export const OWNED_ROUTE_FIELDS = ['host', 'port', 'secured', 'username', 'password'] as const;

/** One channel whose owned routes must be rewritten. */
export interface ChannelRouteUpdate {
  readonly id: string;
  readonly name: string;
  /** The channel's whole route list, with only the owned routes' connection fields changed. */
  readonly routes: RouteDefinition[];
  /** `<route name>.<field>` of what differed (names only, never values: they include the password). */
  readonly changed: readonly string[];
  /**
   * The channel's own type, for a channel that is not `http` (polling): on `PUT /channels/:id` core checks the
   * methods of the whole channel unless the body names a type, and refuses methods on a polling channel — which its
   * mediator install accepted. Sent with its current value, the type changes nothing but makes core drop the methods,
   * which a polling channel does not use.
   */
  readonly type?: string;
}

/** What {@link planChannelSync} decided. */
export interface ChannelSyncPlan {
  /** Channel names to install (absent from core). */
  readonly install: readonly string[];
  /** Installed channels whose owned routes point elsewhere or carry other credentials. */
  readonly update: readonly ChannelRouteUpdate[];
  /** Installed channels that hold none of the mediator's routes any more (an operator renamed or removed them). */
  readonly leftAlone: readonly string[];
}

function differs(a: unknown, b: unknown): boolean {
  // An absent `secured` and `false` mean the same to core (§3.3 default).
  return (a ?? false) !== (b ?? false);
}

/**
 * Decides how to bring the mediator's channels in core in line with its definition. The rule
 * (docs/decisions/0013-channel-route-sync.md):
 *
 * - a channel of `defaultChannelConfig` that core lacks (by name) is installed;
 * - in an installed channel of that name, the routes the mediator owns are those whose `name` is a route name of the
 *   same channel in the definition; their `host`, `port`, `secured`, `username` and `password` are set to the
 *   definition's values when they differ;
 * - nothing else is ever changed: not the channel's pattern, methods, access rules, timeout or status, not an owned
 *   route's other fields (status, path, primary…), not the operator's other routes; a channel without any owned
 *   route is left alone and reported.
 *
 * @param wanted - the resolved `defaultChannelConfig` (routes filled with this instance's host, port, credentials)
 * @param installed - the channels core has
 * @returns what to install and which channels' routes to update
 */
export function planChannelSync(
  wanted: readonly ChannelDefinition[],
  installed: readonly InstalledChannel[],
): ChannelSyncPlan {
  const byName = new Map(installed.map((c) => [c.name, c]));
  const install: string[] = [];
  const update: ChannelRouteUpdate[] = [];
  const leftAlone: string[] = [];
  for (const channel of wanted) {
    const current = byName.get(channel.name);
    if (current === undefined) {
      install.push(channel.name);
      continue;
    }
    const ownRoutes = new Map(channel.routes.map((r) => [r.name, r]));
    const changed: string[] = [];
    let owned = 0;
    const routes = (current.routes ?? []).map((route) => {
      const own = ownRoutes.get(route.name);
      if (own === undefined) {
        return { ...route };
      }
      owned++;
      const next: Record<string, unknown> = { ...route };
      const dropped = new Set<string>();
      for (const field of OWNED_ROUTE_FIELDS) {
        if (differs(route[field], own[field])) {
          changed.push(`${route.name}.${field}`);
          if (own[field] === undefined) {
            dropped.add(field);
          } else {
            next[field] = own[field];
          }
        }
      }
      return Object.fromEntries(Object.entries(next).filter(([k]) => !dropped.has(k))) as RouteDefinition &
        Record<string, unknown>;
    });
    if (owned === 0) {
      leftAlone.push(channel.name);
    } else if (changed.length > 0) {
      const type = typeof current.type === 'string' ? current.type : 'http';
      update.push({
        id: current._id,
        name: channel.name,
        routes,
        changed,
        ...(type !== 'http' ? { type } : {}),
      });
    }
  }
  return { install, update, leftAlone };
}
