/**
 * Constants and record layouts of the zip format (PKWARE APPNOTE 6.3) shared
 * by our writer and reader. Only what Lambda packages need: stored and
 * deflate entries, UTF-8 names, ZIP64.
 */

export const LOCAL_FILE_HEADER = 0x04034b50;
export const CENTRAL_FILE_HEADER = 0x02014b50;
export const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
export const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
export const ZIP64_END_LOCATOR = 0x07064b50;
export const ZIP64_EXTRA_ID = 0x0001;
export const DATA_DESCRIPTOR = 0x08074b50;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

/** General purpose flag bit 11: the name is UTF-8. */
export const FLAG_UTF8 = 0x0800;
/**
 * Bit 3: CRC and sizes follow the data in a data descriptor. We set it only
 * on entries deflated in chunks (files over one chunk), whose sizes are
 * known only once every chunk is done; their central records carry the
 * real values, which is what readers (unzip, Python, Lambda) use.
 */
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_ENCRYPTED = 0x0001;

/** "Made by" high byte 3 = Unix: readers then take permissions from the external attributes. */
export const HOST_UNIX = 3;
/** Version 4.5: the first to define ZIP64, which this writer may produce. */
export const VERSION_MADE_BY = (HOST_UNIX << 8) | 45;
export const VERSION_STORED = 10;
export const VERSION_DEFLATE = 20;
export const VERSION_ZIP64 = 45;

export const MAX_UINT16 = 0xffff;
export const MAX_UINT32 = 0xffffffff;

/**
 * Every entry carries this one timestamp: 1980-01-01 00:00:00, the earliest
 * MS-DOS date a zip can hold (date word: year 0 since 1980, month 1, day 1).
 * A fixed date keeps the bytes independent of when files were touched.
 */
export const DOS_TIME = 0;
export const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const MODE_FILE = S_IFREG | 0o644;
export const MODE_EXECUTABLE = S_IFREG | 0o755;
