// The Node.js major the Lambda functions run is the one the project installs for everything else
// (package.json's `node` dev dependency, which tests, npm start, exumctl and the bench run on):
// one source, so nothing is tested on a runtime production does not run.
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import packageJson from '../package.json' with { type: 'json' };

export const NODE_MAJOR = Number(packageJson.devDependencies.node.split('.')[0]);

export const LAMBDA_RUNTIME = new Runtime(`nodejs${NODE_MAJOR}.x`, RuntimeFamily.NODEJS, { supportsInlineCode: true });
