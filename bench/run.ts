// npm run bench: every benchmark, one JSON line per figure.
import { existsSync } from "fs";
import * as path from "path";
import { benchKernel } from "./kernel";

// Later chapters add their benchmarks as bench/<layer>.ts exporting run() (which may be async).
(async () => {
  benchKernel();
  for (const name of ["raft", "etcd", "apiserver", "controllers", "scheduler"]) {
    const file = path.join(__dirname, `${name}.ts`);
    if (existsSync(file)) await require(file).run();
  }
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
