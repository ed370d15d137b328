/**
 * The size of the layers a function uses, for Lambda's 250 MB unzipped limit
 * (function and layers together).
 *
 * GetLayerVersionByArn exposes only CodeSize, the ZIPPED size; Lambda reports
 * no unzipped size for a layer. The unzipped size is in the zip's central
 * directory, so it is read from the presigned Content.Location (valid 10
 * minutes) with two HTTP range requests: the tail, then the directory. When
 * that fails (no network to S3, range not honoured), the zipped size stands in
 * as a lower bound and `exact` is false.
 */
import { GetLayerVersionByArnCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsDeps, callAws } from '../../aws/aws-call.js';
import { errorMessage } from '../../util/retry.js';
import {
  locateCentralDirectory,
  MAX_TAIL_BYTES,
  readZip64End,
  unzippedSize,
} from '../../packaging/zip-directory.js';

/** Reads bytes [start, end] (inclusive) of the object at `url`. */
export type RangeReader = (url: string, start: number, end: number) => Promise<Uint8Array>;

export interface LayerSize {
  arn: string;
  zippedBytes: number;
  /** From the zip's directory; the zipped size when that could not be read. */
  unzippedBytes: number;
  exact: boolean;
}

export interface LayersSize {
  /** Sum of unzippedBytes: pass as `layerBytes` to the size check. */
  totalBytes: number;
  exact: boolean;
  layers: LayerSize[];
}

/** fetch with a Range header; a server that ignores the range is an error, not a download. */
export const fetchRange: RangeReader = async (url, start, end) => {
  const response = await fetch(url, { headers: { Range: `bytes=${start}-${end}` } });
  if (response.status !== 206) {
    await response.body?.cancel();
    throw new Error(`range request answered ${response.status}, expected 206`);
  }
  return new Uint8Array(await response.arrayBuffer());
};

/** The unzipped size of the zip at `url`, `size` bytes long, from its central directory. */
export async function zipUnzippedSize(url: string, size: number, read: RangeReader): Promise<number> {
  const tailStart = Math.max(0, size - MAX_TAIL_BYTES);
  const tail = await read(url, tailStart, size - 1);
  let location = locateCentralDirectory(tail, tailStart);
  if (location.zip64EndOffset !== undefined) {
    location = readZip64End(await read(url, location.zip64EndOffset, location.zip64EndOffset + 55));
  }
  if (location.entries === 0) return 0;
  const inTail = location.offset >= tailStart && location.offset + location.size <= size;
  const directory = inTail
    ? tail.subarray(location.offset - tailStart, location.offset - tailStart + location.size)
    : await read(url, location.offset, location.offset + location.size - 1);
  return unzippedSize(directory, location.entries);
}

export async function layersUnzippedBytes(
  lambda: LambdaClient,
  arns: readonly string[],
  deps: AwsDeps & { readRange?: RangeReader },
): Promise<LayersSize> {
  const read = deps.readRange ?? fetchRange;
  const layers: LayerSize[] = [];
  for (const arn of arns) {
    const layer = await callAws(() => lambda.send(new GetLayerVersionByArnCommand({ Arn: arn })), deps, {
      what: `Could not read layer ${arn}`,
      permission: 'lambda:GetLayerVersion',
    });
    const zippedBytes = layer.Content?.CodeSize ?? 0;
    const location = layer.Content?.Location;
    let unzippedBytes = zippedBytes;
    let exact = false;
    if (location && zippedBytes > 0) {
      try {
        unzippedBytes = await zipUnzippedSize(location, zippedBytes, read);
        exact = true;
      } catch (error) {
        deps.logger.debug(
          `Could not read the directory of layer ${arn} (${errorMessage(error)}); counting its zipped size.`,
        );
      }
    }
    layers.push({ arn, zippedBytes, unzippedBytes, exact });
  }
  return {
    totalBytes: layers.reduce((sum, l) => sum + l.unzippedBytes, 0),
    exact: layers.every((l) => l.exact),
    layers,
  };
}
