// helper.DefaultNormalizeScore [k/k pkg/scheduler/framework/plugins/helper/normalize_score.go]:
// scale raw scores so the highest becomes maxPriority; `reverse` flips it (fewer is better).

import type { NodeScore } from "../framework/interface";
import { Status } from "../framework/status";

export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): Status {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return Status.success();
  }
  for (const s of scores) {
    let score = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) score = maxPriority - score;
    s.score = score;
  }
  return Status.success();
}
