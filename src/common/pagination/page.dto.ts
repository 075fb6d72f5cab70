import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI schema for `{ items: T[], nextCursor }`. */
export function PageDto<T>(item: Type<T>) {
  class PageOf {
    @ApiProperty({ type: item, isArray: true }) items!: T[];
    @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  }
  Object.defineProperty(PageOf, 'name', { value: `PageOf${item.name}` });
  return PageOf;
}
