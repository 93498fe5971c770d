/**
 * Media tools (ffprobe/ffmpeg/EXIF) in one import for services and jobs:
 * `probe` → facts, `makeProxy` → browser-playable copy, `makeThumbnail` → JPEG, `readExif` → photo EXIF.
 */
export { probe, type MediaKind, type ProbeResult } from './media-probe.ts';
export { makeProxy, proxyArgs, type ProxyOptions, type ProxyResult } from './media-proxy.ts';
export { makeThumbnail, type ThumbnailOptions, type ThumbnailResult } from './media-thumbnail.ts';
export { readExif, type PhotoExif } from './photo-exif.ts';
export { ffmpegPath, ffprobePath, runTool } from './media-tools.ts';
