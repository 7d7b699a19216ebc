//! The one read of the store a pass decides on ([`super::decide::Snapshot`]).

use std::sync::Arc;

use super::decide::Snapshot;
use super::engine::Deliverer;
use crate::deliver::target::Target;
use crate::store::StoreError;

impl Deliverer {
    /// Enabled channels (and the weekly posts of those that asked for one), people with active
    /// alerts, unfinished deliveries and the leases other
    /// processes hold. Also remembers each person's DM channel, when the next lease held
    /// elsewhere ends (a takeover may be possible then), and the paused channels' gauge.
    pub(super) async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let held = self.store.leased_elsewhere(&self.process).await?;
        *self.held_until.lock().expect("held lock") = held.values().min().copied();
        let mut snapshot = Snapshot {
            held,
            ..Snapshot::default()
        };
        for sub in self.store.enabled_subscriptions().await? {
            if crate::deliver::settings::weekly_settings(&sub).is_some() {
                let weekly = Target::Weekly(sub.clone());
                snapshot.targets.insert(weekly.key(), Arc::new(weekly));
            }
            let target = Target::Channel(sub);
            snapshot.targets.insert(target.key(), Arc::new(target));
        }
        let all_channels = self.store.subscription_count().await?;
        let enabled = snapshot.targets.values().filter(|t| !t.is_weekly()).count();
        crate::ops::metrics::paused_channels(all_channels.saturating_sub(enabled as u64));
        for (user, terms) in self.store.active_alerts().await? {
            if let Some(c) = user.dm_channel_id {
                self.dm_channels
                    .lock()
                    .expect("dm lock")
                    .insert(user.user_id, c);
            }
            snapshot.alert_terms.insert(
                user.user_id,
                terms.iter().map(crate::select::alerts::term_of).collect(),
            );
            if user.weekly_saved {
                let weekly = Target::SavedWeekly(user.clone());
                snapshot.targets.insert(weekly.key(), Arc::new(weekly));
            }
            let target = Target::Person(user);
            snapshot.targets.insert(target.key(), Arc::new(target));
        }
        snapshot.pending = self.store.pending_delivery_keys().await?;
        Ok(snapshot)
    }
}
