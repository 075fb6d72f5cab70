import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../../common/config/app-config';
import { requestIdOf } from '../http/request-id';

/**
 * Structured JSON logs (pino). Request lines carry id, method, path (without the query
 * string, which can hold a searched name), status and latency, and nothing else: no headers,
 * no bodies, so no tokens, passwords or personal data.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const options: Options = {
          level: config.logLevel,
          genReqId: (req: IncomingMessage) => requestIdOf(req),
          customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
            error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              path: req.url.split('?')[0],
            }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          redact: {
            paths: [
              'req.headers',
              'req.body',
              'res.headers',
              '*.password',
              '*.clientSecret',
              '*.client_secret',
            ],
            remove: true,
          },
          customSuccessMessage: () => 'request completed',
          customErrorMessage: () => 'request failed',
          customAttributeKeys: { responseTime: 'latencyMs' },
        };
        return {
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: config.logDestination ? [options, config.logDestination] : options,
        };
      },
    }),
  ],
})
export class LoggingModule {}
