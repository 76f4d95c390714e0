// One JSON line per figure, as `npm run bench` promises.
export function report(name: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ name, value, unit, ...extra }));
}
