import type { StorageType } from './datasets.ts'

/**
 * The columns of `analytics/rectifications/year=/quarter=/data.parquet` (rectification.md: the
 * Athena table `rectifications`): every rectification item of the appraised provinces as it
 * stood when the quarter was published, one row per item. The Glue table, the DuckDB view and
 * the writer take their column list from here. `year` and `quarter` (the publication's) are
 * partition columns: in the object key, not in the file.
 */
export interface RectificationColumn {
  key: string
  storage: StorageType
  zh: string
  en: string
}

export const RECTIFICATION_COLUMNS: readonly RectificationColumn[] = [
  { key: 'item_id', storage: 'string', zh: '事项编号', en: 'item id' },
  { key: 'county', storage: 'string', zh: '县代码', en: 'county code' },
  { key: 'city', storage: 'string', zh: '市代码', en: 'city code (first 4 digits)' },
  { key: 'province', storage: 'string', zh: '省代码', en: 'province code (first 2 digits)' },
  { key: 'source', storage: 'string', zh: '来源', en: 'red_flag, data_quality or inspection' },
  { key: 'problem', storage: 'string', zh: '问题类型', en: 'red_flag, no_data, not_appraisable, missing, late or inspection' },
  { key: 'opened_in', storage: 'string', zh: '发起季度', en: 'the quarter whose publication or inspection opened it (YYYYQn)' },
  { key: 'indicator', storage: 'string', zh: '指标', en: 'the red-line or no-data indicator (empty otherwise)' },
  { key: 'villages', storage: 'string', zh: '涉及村', en: 'the villages behind a red flag, comma-separated' },
  { key: 'title', storage: 'string', zh: '问题', en: "an inspection's finding, in the official's words" },
  { key: 'due', storage: 'string', zh: '整改期限', en: 'due day, YYYY-MM-DD, Asia/Shanghai' },
  { key: 'status', storage: 'string', zh: '状态', en: 'open, responded, closed or withdrawn' },
  { key: 'recurring', storage: 'boolean', zh: '反复出现', en: 'a red flag the look-back found again' },
  { key: 'overdue', storage: 'boolean', zh: '逾期', en: 'not closed by the end of its due day, at publication' },
  { key: 'opened_at', storage: 'string', zh: '发起时间', en: 'when opened (ISO-8601)' },
  { key: 'last_change_at', storage: 'string', zh: '最近变更时间', en: 'the latest history entry (ISO-8601)' },
  { key: 'last_action', storage: 'string', zh: '最近操作', en: 'the latest history action' },
  { key: 'history_entries', storage: 'bigint', zh: '变更次数', en: 'entries in the item history' },
]
