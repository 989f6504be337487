//! Waiting for many exits at once: what a supervisor's shutdown waits on.
//!
//! A supervisor that stops its children all at once (a
//! `DynamicSupervisor`'s shutdown, as OTP stops a `simple_one_for_one`
//! supervisor's children: an exit signal to each, then a receive of every
//! `'EXIT'`) waits until the last of them has exited. Waiting for each in
//! turn would make an exit waiter on every child and wake the supervisor
//! once per child, and visit every child twice more. An [`ExitGroup`] is
//! one counter that its members' exits count down; its one waiter is woken
//! when the count reaches zero. It also keeps the members that exited for a
//! reason a shutdown does not expect (a `terminate` that crashed), which
//! the supervisor reports, as OTP's reports a `shutdown_error`.
//!
//! A server joins a group with `Shared::join_exit_group`, under its lock,
//! while it has not exited, so that every member counted in is counted out
//! once: at its exit, with its exit waiters, after its exit hooks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};

use crate::{ExitReason, ServerId};

/// A count of servers still to exit, and the one task that waits for none
/// to be left.
#[derive(Debug)]
pub(crate) struct ExitGroup {
    /// Members that have not exited, plus one while members are still
    /// being added (see [`ExitGroup::new`]).
    left: AtomicUsize,
    /// The waiting task, woken by the last member to exit.
    waker: Mutex<Option<Waker>>,
    /// The members that exited for a reason a shutdown does not expect
    /// (neither normal nor killed), for the supervisor to report.
    unexpected: Mutex<Vec<(ServerId, ExitReason)>>,
}

impl ExitGroup {
    /// An empty group still being added to: it cannot be done before
    /// [`all_added`](ExitGroup::all_added).
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(ExitGroup {
            left: AtomicUsize::new(1),
            waker: Mutex::new(None),
            unexpected: Mutex::new(Vec::new()),
        })
    }

    /// Counts one more member in (by the member, while it has not exited).
    pub(crate) fn enter(&self) {
        self.left.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts member `id` out, at its exit for `reason`.
    pub(crate) fn member_exited(&self, id: ServerId, reason: &ExitReason) {
        if !reason.is_normal() && *reason != ExitReason::Killed {
            lock(&self.unexpected).push((id, reason.clone()));
        }
        self.leave();
    }

    /// The members that exited for a reason neither normal nor `Killed`
    /// (a `terminate` that crashed, say), taken.
    pub(crate) fn take_unexpected(&self) -> Vec<(ServerId, ExitReason)> {
        std::mem::take(&mut *lock(&self.unexpected))
    }

    /// Counts one out.
    fn leave(&self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let waker = lock(&self.waker).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Every member is in: from now on the group is done when they have
    /// all exited.
    pub(crate) fn all_added(&self) {
        self.leave();
    }

    /// Waits until every member has exited (and [`all_added`] was said).
    ///
    /// Dropped before that (its task was killed), it takes its waker back,
    /// so that the members, which hold the group, do not keep the task.
    ///
    /// [`all_added`]: ExitGroup::all_added
    pub(crate) async fn all_exited(&self) {
        let _unregister = Unregister(self);
        std::future::poll_fn(|cx| {
            if self.left.load(Ordering::Acquire) == 0 {
                return Poll::Ready(());
            }
            {
                let mut slot = lock(&self.waker);
                match &mut *slot {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
            }
            // The last member may have left between the look and the
            // registration, and found no waker to wake.
            if self.left.load(Ordering::Acquire) == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

/// Locks one of the group's slots (nothing that runs under them panics).
fn lock<T>(slot: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the waiting task's waker out of the group when the wait ends.
struct Unregister<'a>(&'a ExitGroup);

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        let waker = lock(&self.0.waker).take();
        // Dropped outside the lock.
        drop(waker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExitReason;

    struct Member;

    #[crate::gen_server(crate = "crate")]
    impl Member {
        #[call]
        fn ping(&self) -> u8 {
            1
        }
    }

    /// Whether `group` is done, looked at once.
    async fn done(group: &ExitGroup) -> bool {
        let mut waiting = std::pin::pin!(group.all_exited());
        std::future::poll_fn(|cx| Poll::Ready(waiting.as_mut().poll(cx).is_ready())).await
    }

    /// Waits for `future`, failing the test instead of hanging it.
    async fn soon<T>(future: impl Future<Output = T>) -> T {
        tokio::time::timeout(std::time::Duration::from_secs(10), future)
            .await
            .expect("waited ten seconds")
    }

    #[tokio::test]
    async fn a_server_counts_down_each_group_it_is_in_at_its_exit_and_an_exited_one_none() {
        let member = Member::start(Member).await.unwrap();
        let pid = member.pid();
        let process = pid.process();
        let (first, second) = (ExitGroup::new(), ExitGroup::new());
        assert!(process.join_exit_group(&first, None));
        // In a group already: the second counts by an exit hook.
        assert!(process.join_exit_group(&second, None));
        first.all_added();
        second.all_added();
        assert!(!done(&first).await && !done(&second).await);
        member.stop().await.unwrap();
        soon(first.all_exited()).await;
        soon(second.all_exited()).await;
        // Gone: not counted in, so a group of it alone is done at once.
        let late = ExitGroup::new();
        assert!(!process.join_exit_group(&late, None));
        late.all_added();
        assert!(done(&late).await);
    }

    #[tokio::test]
    async fn a_member_is_counted_out_after_its_exit_hooks() {
        let member = Member::start(Member).await.unwrap();
        let pid = member.pid();
        let process = pid.process();
        let group = ExitGroup::new();
        assert!(process.join_exit_group(&group, None));
        group.all_added();
        // What the group's count was when the hook ran: still this member.
        let seen = Arc::new(AtomicUsize::new(usize::MAX));
        let hook = {
            let (group, seen) = (Arc::clone(&group), Arc::clone(&seen));
            Box::new(move |_, _: &ExitReason| {
                seen.store(group.left.load(Ordering::SeqCst), Ordering::SeqCst);
            })
        };
        let key = crate::process::mailbox::HookKey::Other(crate::process::mailbox::unique());
        assert!(process.add_hook(key, hook).is_ok());
        assert!(process.kill(ExitReason::Killed));
        soon(group.all_exited()).await;
        assert_eq!(seen.load(Ordering::SeqCst), 1);
        assert_eq!(soon(member.exited()).await, Ok(ExitReason::Killed));
    }

    #[tokio::test]
    async fn the_group_is_done_when_the_adding_is_over_and_the_last_member_left() {
        let group = ExitGroup::new();
        group.enter();
        group.enter();
        group.leave();
        let waiting = tokio::spawn({
            let group = Arc::clone(&group);
            async move { group.all_exited().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "one member and the adding are left");
        group.all_added();
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "one member is left");
        group.leave();
        soon(waiting).await.unwrap();
    }

    #[tokio::test]
    async fn a_wait_dropped_early_leaves_no_waker_behind() {
        let group = ExitGroup::new();
        group.enter();
        group.all_added();
        let waiting = tokio::spawn({
            let group = Arc::clone(&group);
            async move { group.all_exited().await }
        });
        while group.waker.lock().unwrap().is_none() {
            tokio::task::yield_now().await;
        }
        waiting.abort();
        assert!(soon(waiting).await.unwrap_err().is_cancelled());
        assert!(group.waker.lock().unwrap().is_none());
    }

    #[tokio::test]
    async fn an_empty_group_is_done_once_all_is_added() {
        let group = ExitGroup::new();
        group.all_added();
        soon(group.all_exited()).await;
    }
}
