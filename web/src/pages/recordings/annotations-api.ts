import type { BodyOf, ResponseOf } from '../../api/shapes.ts';

/** Shapes of the annotations API (issue 8 §6), from the generated contract. */
export type AnnotationList = ResponseOf<'/api/recordings/{id}/annotations', 'get'>;
export type Annotation = AnnotationList['items'][number];
export type AnnotationLayer = Annotation['layer'];
export type AnnotationKind = NonNullable<Annotation['kind']>;
export type AnnotationCreate = BodyOf<'/api/recordings/{id}/annotations', 'post'>;
export type AnnotationEdit = BodyOf<'/api/annotations/{id}', 'put'>;
export type AnnotationHistory = ResponseOf<'/api/annotations/{id}/versions', 'get'>;

/** Seconds as mm:ss (h:mm:ss past an hour); `precise` keeps a fraction of a second (for editing). */
export function clock(sec: number, precise = false): string {
  const whole = Math.floor(sec);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const frac = precise ? Math.round((sec - whole) * 1000) : 0;
  const ss = `${String(s).padStart(2, '0')}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}`;
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** 'mm:ss', 'mm:ss.s', 'h:mm:ss' or plain seconds → seconds; undefined when it is none of those. */
export function parseClock(text: string): number | undefined {
  const v = text.trim();
  if (/^\d+(\.\d{1,3})?$/.test(v)) return Number(v);
  const m = /^(?:(\d+):)?(\d{1,3}):([0-5]?\d(?:\.\d{1,3})?)$/.exec(v);
  if (!m) return undefined;
  const h = m[1] ? Number(m[1]) : 0;
  const min = Number(m[2]);
  if (m[1] && min > 59) return undefined;
  return h * 3600 + min * 60 + Number(m[3]);
}
