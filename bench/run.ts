// npm run bench: every benchmark, one JSON line per figure.
import { existsSync } from "fs";
import * as path from "path";
import { benchKernel } from "./kernel";

benchKernel();
// Later chapters add their benchmarks as bench/<layer>.ts exporting run().
for (const name of ["raft"]) {
  const file = path.join(__dirname, `${name}.ts`);
  if (existsSync(file)) require(file).run();
}
