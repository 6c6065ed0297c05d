// cdk.json's app: `npx tsx infra/app.ts`. Context from the CLI (-c key=value) reaches the app through the
// environment; createPipelineApp adds cdk.json's flags and the cdk-nag checks.
import { createPipelineApp } from './pipeline-app.js';

const { app } = createPipelineApp();
app.synth();
