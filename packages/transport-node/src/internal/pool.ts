// The connection pool of one transport: keep-alive connections per key (origin, and the proxy when there is one),
// at most `maxSockets` open per key; further requests wait, in order, for one to come free. The most recently used
// idle connection is taken first ("lifo"), so the others time out instead of all being kept barely alive; an idle
// connection is closed after `keepAliveTimeout`, and holds no reference that keeps the process alive.

import { Connection } from "./connection.js";
import { type DialTarget, dial } from "./dial.js";

/** What the pool needs to know of the transport's options. */
export interface PoolOptions {
  maxSockets: number;
  keepAliveTimeout: number;
}

interface Slot {
  idle: Connection[];
  open: number;
  waiters: (() => void)[];
}

/** The pool; `acquire` gives a connection, the connection frees itself when its exchange is over. */
export class Pool {
  readonly #slots = new Map<string, Slot>();
  readonly #all = new Set<Connection>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** An idle connection under `key`, taken from the pool, or undefined when there is none. */
  idle(key: string): Connection | undefined {
    const slot = this.#slots.get(key);
    for (let idle = slot?.idle.pop(); idle; idle = slot?.idle.pop()) {
      if (idle.closed) continue;
      clearTimeout(idleTimers.get(idle));
      return idle;
    }
    return undefined;
  }

  /** A connection for `target` under `key`: an idle one, a new one, or the next one freed. */
  async acquire(key: string, target: DialTarget, signal: AbortSignal | undefined): Promise<Connection> {
    const slot = this.#slot(key);
    for (;;) {
      signal?.throwIfAborted();
      const idle = this.idle(key);
      if (idle) return idle;
      if (slot.open < this.#options.maxSockets) return this.#open(slot, target, signal);
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          slot.waiters.splice(slot.waiters.indexOf(wake), 1);
          reject(signal!.reason);
        };
        slot.waiters.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  /** Closes every connection; later requests open new ones. */
  destroy(): void {
    for (const connection of this.#all) connection.destroy();
    this.#all.clear();
    this.#slots.clear();
  }

  async #open(slot: Slot, target: DialTarget, signal: AbortSignal | undefined): Promise<Connection> {
    const connection = new Connection();
    slot.open++;
    this.#all.add(connection);
    let gone = false;
    const release = () => {
      if (gone) return;
      gone = true;
      slot.open--;
      this.#all.delete(connection);
      const i = slot.idle.indexOf(connection);
      if (i >= 0) slot.idle.splice(i, 1);
      clearTimeout(idleTimers.get(connection));
      slot.waiters.shift()?.();
    };
    connection.onClose = release;
    connection.onFree = (reusable) => {
      if (!reusable) return release();
      slot.idle.push(connection);
      if (this.#options.keepAliveTimeout > 0) {
        const timer = setTimeout(() => connection.destroy(), this.#options.keepAliveTimeout);
        timer.unref();
        idleTimers.set(connection, timer);
      }
      slot.waiters.shift()?.();
    };
    // Aborted (or timed out) while connecting: the socket goes, and the dial fails with the signal's reason.
    const onAbort = () => connection.socket?.destroy(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await dial(connection, target);
    } catch (error) {
      connection.socket?.destroy();
      release();
      throw signal?.aborted ? signal.reason : error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return connection;
  }

  #slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { idle: [], open: 0, waiters: [] };
      this.#slots.set(key, slot);
    }
    return slot;
  }
}

const idleTimers = new WeakMap<Connection, ReturnType<typeof setTimeout>>();
