// ImageLocality, cases from k/k pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go
// (TestImageLocalityPriority; sizes in MiB; v1.27+ init containers).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newImageLocality, normalizedImageName } from "../../../src/scheduler/plugins/imagelocality";
import { fakeHandle, makeNode, makePod, nodeInfos, runScore } from "./helpers";

const MB = 1024 * 1024;
const imgs = (...sizes: number[]) => sizes.map((s) => ({ names: [`gcr.io/${s}:latest`, `gcr.io/${s}:v1`], sizeBytes: s * MB }));
const node403002000 = imgs(40, 300, 2000);
const node25010 = imgs(250, 10);
const node60040900 = imgs(600, 40, 900);
const node300600900 = imgs(300, 600, 900);
const node203040 = imgs(20, 30, 40);

function run(nodes: [string, any][], pod: any) {
  const infos = nodeInfos(nodes.map(([n, images]) => makeNode(n, { images })));
  return runScore(newImageLocality(undefined, fakeHandle(infos)), makePod("p", pod), infos);
}

test("image_locality_test.go table", () => {
  assert.equal(run([["node1", node403002000], ["node2", node25010]], { images: ["gcr.io/40", "gcr.io/250"] }), { node1: 0, node2: 5 }, "two images spread on two nodes, prefer the larger image one");
  assert.equal(run([["node1", node403002000], ["node2", node25010]], { images: ["gcr.io/40", "gcr.io/300"] }), { node1: 7, node2: 0 }, "two images on one node, prefer this node");
  assert.equal(run([["node1", node60040900], ["node2", node300600900], ["node3", []]], { images: ["gcr.io/300", "gcr.io/600", "gcr.io/900"] }), { node1: 32, node2: 36, node3: 0 }, "if exceed limit, use limit");
  assert.equal(run([["node1", node403002000], ["node2", node203040]], { images: ["gcr.io/30"], initImages: ["gcr.io/300"] }), { node1: 6, node2: 0 }, "init containers count");
  // An image on every node: spread 1 is "common", but it still counts its full size.
  assert.equal(run([["node1", imgs(2000)], ["node2", imgs(2000)]], { images: ["gcr.io/2000"] }), { node1: 100, node2: 100 });
});

test("normalizedImageName: ':latest' only when there is no tag after the last '/'", () => {
  assert.is(normalizedImageName("nginx"), "nginx:latest");
  assert.is(normalizedImageName("nginx:1.27"), "nginx:1.27");
  assert.is(normalizedImageName("registry:5000/app"), "registry:5000/app:latest");
  assert.is(normalizedImageName("app@sha256:abc"), "app@sha256:abc");
});

test.run();
