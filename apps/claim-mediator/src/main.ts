import { runMediator } from '@payment-layer/flows-runtime';
import { buildApp } from './app';
import { loadClaimEnv } from './config';

runMediator({ name: 'claim mediator', loadEnv: () => loadClaimEnv(), buildApp });
