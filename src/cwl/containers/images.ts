/**
 * PLACEHOLDER until branch h-ctr-images (which owns this file) is merged: the image a
 * DockerRequirement names, used as it is (`dockerImageId`, else `dockerPull`), with no pull, load
 * or build. The engine's run (`--pull never`) fails with the engine's message when it is absent.
 */
import type { ImageContext, ImageRequest } from './types.js';

export async function ensureImage(req: ImageRequest, _ctx: ImageContext): Promise<string> {
  const name = req.dockerImageId ?? req.dockerPull;
  if (name === undefined) throw new Error('this build can only run images named by dockerPull or dockerImageId');
  return name;
}
