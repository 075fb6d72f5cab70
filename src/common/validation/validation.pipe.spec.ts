import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Min, ValidateNested } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { createValidationPipe } from './validation.pipe';

class ChargeDto {
  @IsString()
  code!: string;
}

class ExampleDto {
  @IsString()
  @Length(12, 256)
  password!: string;

  @IsInt()
  @Min(1)
  count!: number;

  @ValidateNested({ each: true })
  @Type(() => ChargeDto)
  charges!: ChargeDto[];
}

const body: ArgumentMetadata = { type: 'body', metatype: ExampleDto };

async function rejectionOf(value: unknown): Promise<DomainError> {
  try {
    await createValidationPipe().transform(value, body);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected the pipe to reject');
}

describe('createValidationPipe', () => {
  const valid = { password: 'long enough secret', count: 2, charges: [{ code: 'PC 372' }] };

  it('passes a valid body through as an instance of the DTO', async () => {
    const result: unknown = await createValidationPipe().transform(valid, body);
    expect(result).toBeInstanceOf(ExampleDto);
    expect(result).toEqual(valid);
  });

  it('rejects an unknown field by name with VALIDATION_FAILED', async () => {
    const error = await rejectionOf({ ...valid, isAdmin: true });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.fieldErrors).toEqual([{ field: 'isAdmin', message: 'unknown field' }]);
  });

  it('gives one entry per bad field, joining several messages for the same field', async () => {
    const error = await rejectionOf({ ...valid, count: 'many', password: 'short' });
    expect(error.fieldErrors).toHaveLength(2);
    const count = error.fieldErrors!.find((e) => e.field === 'count');
    expect(count?.message).toContain('count must be an integer number');
    expect(count?.message).toContain(';');
    expect(error.fieldErrors!.map((e) => e.field).sort()).toEqual(['count', 'password']);
  });

  it('names nested fields with their path', async () => {
    const error = await rejectionOf({ ...valid, charges: [{ code: 'ok' }, { code: 7 }] });
    expect(error.fieldErrors).toEqual([
      { field: 'charges.1.code', message: 'code must be a string' },
    ]);
  });

  it('never echoes the submitted value', async () => {
    const error = await rejectionOf({ ...valid, password: 'hunter2', ssn: '123-45-6789' });
    expect(JSON.stringify(error.fieldErrors)).not.toContain('hunter2');
    expect(JSON.stringify(error.fieldErrors)).not.toContain('123-45-6789');
  });

  it('rejects a body that is not an object', async () => {
    const error = await rejectionOf('just text');
    expect(error.code).toBe('VALIDATION_FAILED');
  });
});
