import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { API_PREFIX } from '../../src/app.factory';
import { readIfMatch } from '../../src/common/http/etag';
import { readPolicy } from '../../src/identity/access/access.guard';
import type { DeclaredPolicy } from '../../src/identity/access/access-policy';
import {
  type AuditPolicy,
  readAuditPolicy,
} from '../../src/infrastructure/audit-context/audited.decorator';
import type { TestApp } from './test-app';

export interface Route {
  /** `METHOD /full/path`, as a caller sees it. */
  name: string;
  method: string;
  path: string;
  where: string;
  policy: DeclaredPolicy;
  audit: AuditPolicy;
  /** The classes of the handler's `@Query()` parameters (their DTOs). */
  queryTypes: Type<unknown>[];
  /** Whether the handler takes the `If-Match` header (@IfMatch). */
  readsIfMatch: boolean;
}

/** Routes the app serves outside the API prefix (see app.factory.ts). */
const UNPREFIXED = new Set(['health/live', 'health/ready', 'metrics']);
/** Nest's RouteParamtypes.QUERY. */
const QUERY_PARAM = 4;

const join = (...parts: (string | undefined)[]) =>
  parts
    .flatMap((part) => (part ?? '').split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');

/** Every handler of every controller Nest registered, with what it declares. */
export function routesOf(t: TestApp): Route[] {
  const reflector = t.app.get(Reflector);
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown>;
      const controllerPaths = [
        Reflect.getMetadata(PATH_METADATA, controller) as string | string[],
      ].flat();
      const prototype = controller.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as
          string | string[] | undefined;
        if (methodPaths === undefined) continue; // a helper, not a route
        const method =
          RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<
          string,
          { index: number; factory?: unknown }
        >;
        const readsIfMatch = Object.values(args).some((arg) => arg.factory === readIfMatch);
        const paramTypes = (Reflect.getMetadata('design:paramtypes', prototype, key) ??
          []) as Type<unknown>[];
        const queryTypes = Object.entries(args)
          .filter(([name]) => Number(name.split(':')[0]) === QUERY_PARAM)
          .map(([, arg]) => paramTypes[arg.index]);
        for (const controllerPath of controllerPaths) {
          for (const methodPath of [methodPaths].flat()) {
            const local = join(controllerPath, methodPath);
            const path = `/${UNPREFIXED.has(local) ? local : join(API_PREFIX, local)}`;
            routes.push({
              name: `${method} ${path}`,
              method,
              path,
              where: `${controller.name}.${key}`,
              policy: readPolicy(reflector, [handler as () => void, controller]),
              audit: readAuditPolicy(reflector, [handler as () => void, controller]),
              queryTypes,
              readsIfMatch,
            });
          }
        }
      }
    }
  }
  return routes;
}
