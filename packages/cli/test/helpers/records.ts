export interface PsRecord {
  job: string;
  id: number;
  pid: number | null;
  state: string;
  restarts: number;
  uptime: number;
  cpu: number | null;
  memory: number | null;
  commit: boolean;
}
