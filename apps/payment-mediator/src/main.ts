import { runMediator } from '@payment-layer/flows-runtime';
import { buildApp } from './app';
import { loadPaymentEnv } from './config';

runMediator({ name: 'payment mediator', loadEnv: () => loadPaymentEnv(), buildApp });
