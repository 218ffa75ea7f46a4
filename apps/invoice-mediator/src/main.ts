import { runMediator } from '@payment-layer/flows-runtime';
import { buildApp } from './app';
import { loadInvoiceEnv } from './config';

runMediator({ name: 'invoice mediator', loadEnv: () => loadInvoiceEnv(), buildApp });
