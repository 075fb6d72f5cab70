import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Caller } from './caller';

/** The authenticated caller, as set by the access guard. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller =>
    context.switchToHttp().getRequest<{ user: Caller }>().user,
);
