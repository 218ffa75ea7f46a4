// Maps method + path (relative to /fineract-provider/api/v1) + query to a read or a command, the way
// Fineract's JAX-RS resources do (`?command=` selects the command; unknown values are 400).

import {
  applyClientCharge,
  chargeDefinitionData,
  clientChargeData,
  clientTransactionData,
  deleteClientCharge,
  getClientTransaction,
  inactivateClientCharge,
  listClientCharges,
  payClientCharge,
  waiveClientCharge,
} from './charges';
import {
  activateClient,
  clientAccounts,
  clientData,
  closeClient,
  createClient,
  listClients,
  page,
  updateClient,
} from './clients';
import type { Command } from './command';
import { type CommandResult, compact, type HandlerEnv, type Route } from './context';
import { toDateArray } from './dates';
import { FineractApiError, notFound, unrecognisedQueryParam } from './errors';
import { activateGroup, changeGroupMembers, createGroup, groupData } from './groups';
import { createHook, hookData, hookTemplate } from './hooks';
import {
  getChargeDefinition,
  getClient,
  getClientByExternalId,
  getClientCharge,
  getGroup,
  getOffice,
  getSavingsAccount,
  getSavingsProduct,
} from './lookups';
import { createPaymentType } from './payment-types';
import {
  activateSavingsAccount,
  approveSavingsAccount,
  createSavingsAccount,
  createSavingsProduct,
  num,
  savingsAccountData,
  savingsTransaction,
  savingsTransactionData,
} from './savings';
import type { SimClient, TenantState } from './state';

/** Raised for a path the simulator does not serve. */
export function unknownResource(method: string, path: string): FineractApiError {
  return new FineractApiError(404, {
    developerMessage: `No resource for ${method} ${path}.`,
    httpStatusCode: '404',
    defaultUserMessage: 'The requested resource is not available.',
    userMessageGlobalisationCode: 'error.msg.resource.not.found',
    errors: [],
  });
}

function id(segment: string | undefined, what: string): number {
  if (segment === undefined || !/^\d+$/.test(segment)) {
    throw notFound(
      `error.msg.${what}.id.invalid`,
      `${what} with identifier ${segment ?? ''} does not exist`,
      segment,
    );
  }
  return parseInt(segment, 10);
}

function read(run: (env: HandlerEnv) => unknown): Route {
  return { kind: 'read', run };
}

function command(
  entityName: string,
  actionName: string,
  resource: string,
  run: (env: HandlerEnv, cmd: Command) => CommandResult,
): Route {
  return { kind: 'command', entityName, actionName, resource, run };
}

function commandParam(query: URLSearchParams, supported: readonly string[]): string {
  const c = query.get('command');
  if (c === null || !supported.includes(c)) {
    throw unrecognisedQueryParam('command', c ?? '', supported);
  }
  return c;
}

function clientRoutes(
  method: string,
  rest: string[],
  query: URLSearchParams,
  resolve: (s: TenantState) => SimClient,
): Route | undefined {
  const [sub, subId, ...more] = rest;
  if (sub === undefined) {
    if (method === 'GET') {
      return read((env) => clientData(env.state, resolve(env.state)));
    }
    if (method === 'PUT') {
      return command('CLIENT', 'UPDATE', 'client', (env, cmd) => updateClient(env, cmd, resolve(env.state)));
    }
    if (method === 'POST') {
      const c = commandParam(query, ['activate', 'close']);
      return c === 'activate'
        ? command('CLIENT', 'ACTIVATE', 'client', (env, cmd) => activateClient(env, cmd, resolve(env.state)))
        : command('CLIENT', 'CLOSE', 'client', (env, cmd) => closeClient(env, cmd, resolve(env.state)));
    }
    return undefined;
  }
  if (sub === 'accounts' && subId === undefined && method === 'GET') {
    return read((env) => clientAccounts(env.state, resolve(env.state)));
  }
  if (sub === 'charges' && more.length === 0) {
    if (subId === undefined) {
      if (method === 'GET') {
        return read((env) => listClientCharges(env.state, resolve(env.state).id, query));
      }
      if (method === 'POST') {
        return command('CLIENTCHARGE', 'CREATE', 'CLIENTCHARGE', (env, cmd) =>
          applyClientCharge(env, cmd, resolve(env.state)),
        );
      }
      return undefined;
    }
    if (subId === 'template' && method === 'GET') {
      return read((env) => ({
        chargeOptions: [...env.state.charges.values()]
          .filter((c) => c.chargeAppliesTo === 3 && c.active)
          .map((c) => chargeDefinitionData(env.state, c)),
      }));
    }
    const ccId = id(subId, 'client.charge');
    if (method === 'GET') {
      return read((env) =>
        clientChargeData(
          env.state,
          getClientCharge(env.state, resolve(env.state).id, ccId),
          query.get('associations') !== null,
        ),
      );
    }
    if (method === 'DELETE') {
      return command('CLIENTCHARGE', 'DELETE', 'CLIENTCHARGE', (env) =>
        deleteClientCharge(env, resolve(env.state), ccId),
      );
    }
    if (method === 'POST') {
      const c = commandParam(query, ['paycharge', 'waive', 'inactivate']);
      if (c === 'paycharge') {
        return command('CLIENTCHARGE', 'PAY', 'CLIENTCHARGE', (env, cmd) =>
          payClientCharge(env, cmd, resolve(env.state), ccId),
        );
      }
      if (c === 'waive') {
        return command('CLIENTCHARGE', 'WAIVE', 'CLIENTCHARGE', (env, cmd) =>
          waiveClientCharge(env, cmd, resolve(env.state), ccId),
        );
      }
      return command('CLIENTCHARGE', 'INACTIVATE', 'CLIENTCHARGE', (env, cmd) =>
        inactivateClientCharge(env, cmd, resolve(env.state), ccId),
      );
    }
    return undefined;
  }
  if (sub === 'transactions' && more.length === 0 && method === 'GET') {
    if (subId === undefined) {
      return read((env) => {
        const client = resolve(env.state);
        const txs = [...env.state.clientTransactions.values()].filter((t) => t.clientId === client.id);
        return page(
          txs.map((t) => clientTransactionData(env.state, t)),
          query,
        );
      });
    }
    const txId = id(subId, 'client.transaction');
    return read((env) =>
      clientTransactionData(env.state, getClientTransaction(env.state, resolve(env.state), txId)),
    );
  }
  return undefined;
}

function savingsRoutes(
  method: string,
  rest: string[],
  query: URLSearchParams,
  resolveId: (s: TenantState) => number,
): Route | undefined {
  const [sub, txSegment, ...more] = rest;
  if (sub === undefined) {
    if (method === 'GET') {
      const assoc = query.get('associations') ?? '';
      return read((env) =>
        savingsAccountData(
          env.state,
          getSavingsAccount(env.state, resolveId(env.state)),
          assoc === 'all' || assoc.includes('transactions'),
        ),
      );
    }
    if (method === 'POST') {
      const c = commandParam(query, ['approve', 'activate']);
      return c === 'approve'
        ? command('SAVINGSACCOUNT', 'APPROVE', 'savingsaccount', (env, cmd) =>
            approveSavingsAccount(env, cmd, resolveId(env.state)),
          )
        : command('SAVINGSACCOUNT', 'ACTIVATE', 'savingsaccount', (env, cmd) =>
            activateSavingsAccount(env, cmd, resolveId(env.state)),
          );
    }
    return undefined;
  }
  if (sub === 'transactions' && more.length === 0) {
    if (txSegment === undefined && method === 'POST') {
      const c = commandParam(query, ['deposit', 'withdrawal']);
      return c === 'deposit'
        ? command('SAVINGSACCOUNT', 'DEPOSIT', 'savingsaccount.transaction', (env, cmd) =>
            savingsTransaction(env, cmd, resolveId(env.state), 'deposit'),
          )
        : command('SAVINGSACCOUNT', 'WITHDRAWAL', 'savingsaccount.transaction', (env, cmd) =>
            savingsTransaction(env, cmd, resolveId(env.state), 'withdrawal'),
          );
    }
    if (txSegment === 'template' && method === 'GET') {
      return read((env) => ({
        paymentTypeOptions: [...env.state.paymentTypes.values()],
        currency: savingsAccountData(env.state, getSavingsAccount(env.state, resolveId(env.state)), false)[
          'currency'
        ],
      }));
    }
    if (txSegment !== undefined && method === 'GET') {
      const txId = id(txSegment, 'saving.account.transaction');
      return read((env) => {
        const tx = env.state.savingsTransactions.get(txId);
        if (tx?.savingsId !== resolveId(env.state)) {
          throw notFound(
            'error.msg.saving.account.trasaction.id.invalid',
            `Savings account transaction with identifier ${txId} does not exist`,
            txId,
          );
        }
        return savingsTransactionData(env.state, tx);
      });
    }
  }
  return undefined;
}

/**
 * Routes a request.
 * @param method - HTTP method
 * @param segments - path segments after `/fineract-provider/api/v1`
 * @param query - query parameters
 * @returns the route
 * @throws FineractApiError 404 for unknown paths, 400 for unknown `?command=`
 */
export function route(method: string, segments: string[], query: URLSearchParams): Route {
  const [resource, first, ...rest] = segments;
  const path = '/' + segments.join('/');
  const found = ((): Route | undefined => {
    switch (resource) {
      case 'offices':
        if (method !== 'GET') {
          return undefined;
        }
        return first === undefined
          ? read((env) =>
              [...env.state.offices.values()].map((o) => ({
                id: o.id,
                name: o.name,
                nameDecorated: o.name,
                externalId: o.externalId,
                openingDate: toDateArray(o.openingDate),
                hierarchy: '.',
              })),
            )
          : rest.length === 0
            ? read((env) => {
                const o = getOffice(env.state, id(first, 'office'));
                return compact({
                  id: o.id,
                  name: o.name,
                  nameDecorated: o.name,
                  externalId: o.externalId,
                  openingDate: toDateArray(o.openingDate),
                  hierarchy: '.',
                });
              })
            : undefined;
      case 'clients':
        if (first === undefined) {
          if (method === 'GET') {
            return read((env) => listClients(env.state, query));
          }
          return method === 'POST' ? command('CLIENT', 'CREATE', 'client', createClient) : undefined;
        }
        if (first === 'external-id') {
          const [externalId, ...more] = rest;
          if (externalId === undefined) {
            return undefined;
          }
          const eid = decodeURIComponent(externalId);
          return clientRoutes(method, more, query, (s) => getClientByExternalId(s, eid));
        }
        {
          const clientId = id(first, 'client');
          return clientRoutes(method, rest, query, (s) => getClient(s, clientId));
        }
      case 'groups':
        if (first === undefined) {
          if (method === 'GET') {
            return read((env) => {
              const externalId = query.get('externalId');
              const name = query.get('name');
              const items = [...env.state.groups.values()].filter(
                (g) =>
                  (externalId === null || g.externalId === externalId) && (name === null || g.name === name),
              );
              return page(
                items.map((g) => groupData(env.state, g, false)),
                query,
              );
            });
          }
          return method === 'POST' ? command('GROUP', 'CREATE', 'group', createGroup) : undefined;
        }
        if (rest.length === 0) {
          const groupId = id(first, 'group');
          if (method === 'GET') {
            return read((env) =>
              groupData(
                env.state,
                getGroup(env.state, groupId),
                (query.get('associations') ?? '').includes('clientMembers') ||
                  query.get('associations') === 'all',
              ),
            );
          }
          if (method === 'POST') {
            const c = commandParam(query, ['associateClients', 'disassociateClients', 'activate']);
            if (c === 'activate') {
              return command('GROUP', 'ACTIVATE', 'group', (env, cmd) => activateGroup(env, cmd, groupId));
            }
            const associate = c === 'associateClients';
            return command(
              'GROUP',
              associate ? 'ASSOCIATECLIENTS' : 'DISASSOCIATECLIENTS',
              'group',
              (env, cmd) => changeGroupMembers(env, cmd, groupId, associate),
            );
          }
        }
        return undefined;
      case 'savingsproducts':
        if (first === undefined) {
          if (method === 'GET') {
            return read((env) =>
              [...env.state.savingsProducts.values()].map((p) => ({
                ...p,
                nominalAnnualInterestRate: num(p.nominalAnnualInterestRate),
              })),
            );
          }
          return method === 'POST'
            ? command('SAVINGSPRODUCT', 'CREATE', 'savingsproduct', createSavingsProduct)
            : undefined;
        }
        return method === 'GET' && rest.length === 0
          ? read((env) => {
              const p = getSavingsProduct(env.state, id(first, 'savingsproduct'));
              return { ...p, nominalAnnualInterestRate: num(p.nominalAnnualInterestRate) };
            })
          : undefined;
      case 'savingsaccounts':
        if (first === undefined) {
          if (method === 'GET') {
            return read((env) => {
              const externalId = query.get('externalId');
              const items = [...env.state.savingsAccounts.values()].filter(
                (a) => externalId === null || a.externalId === externalId,
              );
              return page(
                items.map((a) => savingsAccountData(env.state, a, false)),
                query,
              );
            });
          }
          return method === 'POST'
            ? command('SAVINGSACCOUNT', 'CREATE', 'savingsaccount', createSavingsAccount)
            : undefined;
        }
        if (first === 'external-id') {
          const [externalId, ...more] = rest;
          if (externalId === undefined) {
            return undefined;
          }
          const eid = decodeURIComponent(externalId);
          return savingsRoutes(method, more, query, (s) => {
            const sid = s.index.savingsExternalId.get(eid);
            if (sid === undefined) {
              throw notFound(
                'error.msg.saving.account.id.invalid',
                `Savings account with external identifier ${eid} does not exist`,
                eid,
              );
            }
            return sid;
          });
        }
        {
          const savingsId = id(first, 'saving.account');
          return savingsRoutes(method, rest, query, () => savingsId);
        }
      case 'charges':
        if (method !== 'GET') {
          return undefined;
        }
        return first === undefined
          ? read((env) => [...env.state.charges.values()].map((c) => chargeDefinitionData(env.state, c)))
          : rest.length === 0
            ? read((env) =>
                chargeDefinitionData(env.state, getChargeDefinition(env.state, id(first, 'charge'))),
              )
            : undefined;
      case 'paymenttypes':
        if (first !== undefined) {
          return undefined;
        }
        if (method === 'GET') {
          return read((env) => [...env.state.paymentTypes.values()]);
        }
        return method === 'POST'
          ? command('PAYMENTTYPE', 'CREATE', 'paymenttype', createPaymentType)
          : undefined;
      case 'codes':
        if (method !== 'GET') {
          return undefined;
        }
        return read((env) => {
          const values = [...env.state.codeValues.values()];
          const names = [...new Set(values.map((v) => v.codeName))];
          if (first === undefined) {
            return names.map((name, i) => ({ id: i + 1, name, systemDefined: true }));
          }
          const codeName = names[id(first, 'code') - 1];
          if (codeName === undefined || rest[0] !== 'codevalues') {
            throw notFound(
              'error.msg.code.id.invalid',
              `Code with identifier ${first} does not exist`,
              first,
            );
          }
          return values
            .filter((v) => v.codeName === codeName)
            .map((v, i) => ({ id: v.id, name: v.name, position: i + 1, active: true, mandatory: false }));
        });
      case 'hooks':
        if (first === undefined) {
          if (method === 'GET') {
            return read((env) => [...env.state.hooks.values()].map(hookData));
          }
          return method === 'POST' ? command('HOOK', 'CREATE', 'hook', createHook) : undefined;
        }
        if (first === 'template' && method === 'GET') {
          return read(() => hookTemplate());
        }
        if (rest.length === 0) {
          const hookId = id(first, 'hook');
          const get = (s: TenantState): ReturnType<typeof hookData> => {
            const h = s.hooks.get(hookId);
            if (h === undefined) {
              throw notFound(
                'error.msg.hook.identifier.not.exists',
                `Hook with identifier ${hookId} does not exist`,
                hookId,
              );
            }
            return hookData(h);
          };
          if (method === 'GET') {
            return read((env) => get(env.state));
          }
          if (method === 'DELETE') {
            return command('HOOK', 'DELETE', 'hook', (env) => {
              get(env.state);
              env.state.hooks.delete(hookId);
              return { resourceId: hookId };
            });
          }
        }
        return undefined;
      case undefined:
      default:
        return undefined;
    }
  })();
  if (found === undefined) {
    throw unknownResource(method, path);
  }
  return found;
}
