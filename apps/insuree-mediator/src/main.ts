import { runMediator } from '@payment-layer/flows-runtime';
import { buildApp } from './app';
import { loadInsureeEnv } from './config';

runMediator({ name: 'insuree mediator', loadEnv: () => loadInsureeEnv(), buildApp });
