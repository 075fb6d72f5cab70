import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The application's idea of "now" for decisions that look ahead in time (the retention
 * purge). One injectable, so tests move it (`jest.spyOn(app.get(Clock), 'now')`) and the
 * CLI's `--as-of` looks ahead without touching the system clock. Deadlines the database
 * computes (notice due dates) keep using the database's clock, shared by every instance.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
