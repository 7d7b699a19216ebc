//! This process among the bot processes sharing the database: its id.
//!
//! A process's id names its host and pid (`host:pid:random`), so a restarted process can tell
//! its dead predecessors from live partners: a row of this host whose pid no longer runs is
//! certainly dead, and counting it would halve the restarted process's budget and make it wait
//! for a partner that will never beat again. On SQLite (one process per file) the store forgets
//! every other row by itself. The delivery engine's leases and heartbeat and the summaries
//! worker's claims all carry this id.

/// A fresh id for this process: host, pid and a random part (pids are reused).
pub fn process_id() -> String {
    format!(
        "{}:{}:{:08x}",
        hostname(),
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The host's name, as process ids carry it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace(':', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string())
}

/// Whether a pid of this host runs. Without `/proc` nothing can be proved dead.
pub fn pid_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// The ids among `others` that are provably dead: of `me`'s host, with a pid that no longer
/// runs. Ids of other hosts, or not in the `host:pid:random` form, are left to their leases.
pub fn dead_on_this_host<'a>(
    me: &str,
    others: &'a [String],
    alive: impl Fn(u32) -> bool,
) -> Vec<&'a str> {
    let host = |id: &str| id.rsplitn(3, ':').nth(2).map(str::to_string);
    let pid = |id: &str| id.rsplit(':').nth(1).and_then(|p| p.parse::<u32>().ok());
    let Some(my_host) = host(me) else {
        return Vec::new();
    };
    others
        .iter()
        .map(String::as_str)
        .filter(|id| *id != me && host(id).as_deref() == Some(my_host.as_str()))
        .filter(|id| pid(id).is_some_and(|p| p != std::process::id() && !alive(p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_host_and_pid() {
        let id = process_id();
        let parts: Vec<&str> = id.rsplitn(3, ':').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[1], std::process::id().to_string());
        assert_ne!(process_id(), id, "two ids of one process differ");
    }

    #[test]
    fn only_dead_pids_of_this_host_are_dead() {
        let me = "box:100:aaaa".to_string();
        let others: Vec<String> = [
            "box:100:aaaa",   // me
            "box:200:bbbb",   // this host, dead
            "box:300:cccc",   // this host, alive
            "other:200:dddd", // another host: only its lease tells
            "4242-0000abcd",  // an id of an older version
            "box:notapid:eeee",
        ]
        .map(String::from)
        .to_vec();
        let alive = |pid: u32| pid == 300;
        assert_eq!(dead_on_this_host(&me, &others, alive), vec!["box:200:bbbb"]);
        // A host name may hold colons of its own (the id is read from the right).
        let odd = vec!["a:b:7:ffff".to_string()];
        assert_eq!(
            dead_on_this_host("a:b:8:eeee", &odd, |_| false),
            vec!["a:b:7:ffff"]
        );
    }

    #[test]
    fn this_process_is_alive() {
        assert!(pid_alive(std::process::id()));
    }
}
