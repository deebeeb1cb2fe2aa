// The operator console, a stack of its own rather than part of the stateless one: the API can be
// deployed and rolled back without a console build and without waiting on a CloudFront update (which
// takes minutes), the console can be removed alone, and it exists only where it can work: not with
// mutual TLS (cdk/stacks.ts, docs/deploy.md).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { ConsoleSite } from './console-site.js';

export interface ConsoleStackProps extends StackProps {
  /** The stateless stack's API, served beside the console under /v1/*. */
  api: RestApi;
  /** The console's build (dist/console/). */
  consoleAssetPath: string;
}

export class ConsoleStack extends Stack {
  readonly site: ConsoleSite;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    this.site = new ConsoleSite(this, 'Console', { api: props.api, consoleAssetPath: props.consoleAssetPath });
    new CfnOutput(this, 'ConsoleUrl', {
      value: this.site.url,
      description: 'The operator console; its API is under /v1/ on the same origin',
    });
  }
}
