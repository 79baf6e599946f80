//! The `IncidentStore` contract, each test run on SQLite and Postgres.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_reads_back_with_every_field() {
    on_both(|store| async move {
        let declared_at = test_time().checked_add(SignedDuration::from_millis(123))?;
        let new = NewIncident {
            team: TeamId::new("T1"),
            title: "API “edge” returns 502 — it's 'quoted'".to_owned(),
            severity: Severity::Sev1,
            declared_by: user("W42"),
            declared_at,
            alert_key: None,
        };
        let first = EventDraft { at: declared_at, ..declared(&new.title, Some("Trigger.1")) };
        let created = store.create_incident(new.clone(), first.clone()).await?;
        let expected = Incident {
            id: created.id,
            team: new.team,
            number: IncidentNumber(1),
            title: new.title,
            severity: Severity::Sev1,
            status: Status::Investigating,
            lead: None,
            declared_by: user("W42"),
            declared_at,
            resolved_at: None,
            setup: Setup::Opening,
            channel: None,
            channel_name: None,
            card_ts: None,
            version: 1,
        };
        assert_eq!(created, expected);
        assert_eq!(store.incident(created.id).await?, Some(expected));
        let timeline = store.timeline(created.id).await?;
        let stored_first: Vec<_> = timeline
            .into_iter()
            .map(|e| (e.incident, e.at, e.actor, e.source, e.kind, e.cause))
            .collect();
        assert_eq!(
            stored_first,
            [(created.id, first.at, first.actor, first.source, first.kind, first.cause)]
        );
        assert_eq!(store.incident(IncidentId(created.id.0 + 1000)).await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_writes_every_field() {
    on_both(|store| async move {
        let created = start(&store, "T1", "API down").await?;
        let changed = Incident {
            title: "Edge 502s".to_owned(),
            severity: Severity::Sev3,
            status: Status::Resolved,
            lead: Some(user("U7")),
            resolved_at: Some(test_time().checked_add(SignedDuration::from_millis(7_200_456))?),
            setup: Setup::Open,
            channel: Some(ChannelId::new("C0EDGE")),
            channel_name: Some("inc-20261123-1-edge-502s".to_owned()),
            card_ts: Some(MessageTs::new("1700000000.000100")),
            ..created.clone()
        };
        let saved = store.save(&changed, vec![]).await?;
        assert_eq!(saved, Incident { version: 2, ..changed });
        assert_eq!(store.incident(created.id).await?, Some(saved));
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_start_at_one_in_each_workspace() {
    on_both(|store| async move {
        let mut numbers = Vec::new();
        for team in ["T1", "T1", "T2", "T1", "T2"] {
            numbers.push((team, start(&store, team, "x").await?.number.0));
        }
        assert_eq!(numbers, [("T1", 1), ("T1", 2), ("T2", 1), ("T1", 3), ("T2", 2)]);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_starts_get_numbers_one_to_fifty() {
    on_both(|store| async move {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { start(&store, "T1", &format!("storm {i}")).await })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            created.push(task.await??);
        }
        let mut numbers: Vec<i64> = created.iter().map(|i| i.number.0).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());
        for incident in &created {
            assert_eq!(lines(&store, incident).await?.len(), 1, "{}", incident.label());
        }
        assert_eq!(start(&store, "T1", "after the storm").await?.number, IncidentNumber(51));
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_save_conflicts_and_writes_nothing() {
    on_both(|store| async move {
        let incident = start(&store, "T1", "API down").await?;
        let first = Incident { title: "first".to_owned(), ..incident.clone() };
        let first = store.save(&first, vec![note(&incident, "first", None)]).await?;

        let stale = Incident { title: "stale".to_owned(), ..incident.clone() };
        let outcome = store.save(&stale, vec![note(&incident, "stale", None)]).await;
        assert!(matches!(outcome, Err(StoreError::Conflict)), "{outcome:?}");
        assert_eq!(store.incident(incident.id).await?, Some(first.clone()));
        assert_eq!(lines(&store, &incident).await?, ["declared SEV2: API down", "note: first"]);

        let unknown = Incident { id: IncidentId(incident.id.0 + 1000), ..first.clone() };
        assert!(matches!(store.save(&unknown, vec![]).await, Err(StoreError::Conflict)));
        assert_eq!(store.save(&first, vec![]).await?.version, 3);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saves_append_their_events_in_order() {
    on_both(|store| async move {
        let incident = start(&store, "T1", "API down").await?;
        let channel = ChannelId::new("C1");
        let created = NewEvent {
            kind: EventKind::ChannelCreated { channel: channel.clone(), name: "inc-1".to_owned() },
            ..note(&incident, "", None)
        };
        let posted = NewEvent { kind: EventKind::CardPosted, ..note(&incident, "", None) };
        let opened = Incident { setup: Setup::Open, channel: Some(channel), ..incident.clone() };
        let opened =
            store.save(&opened, vec![created, posted, note(&incident, "one", None)]).await?;
        store.save(&opened, vec![note(&incident, "two", None)]).await?;

        let timeline = store.timeline(incident.id).await?;
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.key()).collect();
        assert_eq!(kinds, ["declared", "channel_created", "card_posted", "note", "note"]);
        assert!(timeline.windows(2).all(|pair| pair[0].seq < pair[1].seq));
        assert_eq!(lines(&store, &incident).await?[3..], ["note: one", "note: two"]);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_event_is_stored_once() {
    on_both(|store| async move {
        let incident =
            store.create_incident(new_incident("T1", "dup"), declared("dup", Some("Tr1"))).await?;
        let other = start(&store, "T1", "other").await?;
        assert!(!store.append(declared("dup", Some("Tr1")).for_incident(incident.id)).await?);
        assert!(store.append(note(&incident, "a", Some("Ev1"))).await?);
        assert!(!store.append(note(&incident, "a, retried", Some("Ev1"))).await?);
        let same_cause_other_kind =
            NewEvent { kind: EventKind::CardPinned, ..note(&incident, "", Some("Ev1")) };
        assert!(store.append(same_cause_other_kind).await?);
        assert!(store.append(note(&other, "a", Some("Ev1"))).await?, "causes count per incident");
        assert!(store.append(note(&incident, "b", None)).await?);
        assert!(
            store.append(note(&incident, "b", None)).await?,
            "events without cause never collide"
        );

        let saved = store
            .save(
                &incident,
                vec![note(&incident, "a, again", Some("Ev1")), note(&incident, "c", Some("Ev2"))],
            )
            .await?;
        assert_eq!(saved.version, 2);
        let expected = [
            "declared SEV2: dup",
            "note: a",
            "pinned the incident card",
            "note: b",
            "note: b",
            "note: c",
        ];
        assert_eq!(lines(&store, &incident).await?, expected);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_is_found_by_its_channel() {
    on_both(|store| async move {
        let (team, channel) = (TeamId::new("T1"), ChannelId::new("C1"));
        start(&store, "T1", "no channel yet").await?;
        let incident = start(&store, "T1", "API down").await?;
        let opened =
            store.save(&Incident { channel: Some(channel.clone()), ..incident }, vec![]).await?;
        assert_eq!(store.incident_by_channel(&team, &channel).await?, Some(opened));
        assert_eq!(store.incident_by_channel(&team, &ChannelId::new("C2")).await?, None);
        assert_eq!(store.incident_by_channel(&TeamId::new("T2"), &channel).await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_incidents_leave_out_resolved_and_failed_ones() {
    on_both(|store| async move {
        let oldest = start(&store, "T1", "oldest").await?;
        let resolved = start(&store, "T1", "resolved").await?;
        store.save(&Incident { status: Status::Resolved, ..resolved }, vec![]).await?;
        let failed = start(&store, "T1", "failed").await?;
        store.save(&Incident { setup: Setup::Failed, ..failed }, vec![]).await?;
        let newest = start(&store, "T1", "newest").await?;
        start(&store, "T2", "elsewhere").await?;

        let open = store.open_incidents(&TeamId::new("T1")).await?;
        assert_eq!(open, [newest, oldest]);
        assert!(store.open_incidents(&TeamId::new("T3")).await?.is_empty());
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_holds_its_own_events_in_recorded_order() {
    on_both(|store| async move {
        let one = start(&store, "T1", "one").await?;
        let two = start(&store, "T1", "two").await?;
        for i in 0..3 {
            store.append(note(&one, &format!("one {i}"), None)).await?;
            store.append(note(&two, &format!("two {i}"), None)).await?;
        }
        assert_eq!(
            lines(&store, &one).await?,
            ["declared SEV2: one", "note: one 0", "note: one 1", "note: one 2"]
        );
        assert_eq!(
            lines(&store, &two).await?,
            ["declared SEV2: two", "note: two 0", "note: two 1", "note: two 2"]
        );
        let timeline: Vec<TimelineEvent> = store.timeline(IncidentId(two.id.0 + 1000)).await?;
        assert!(timeline.is_empty());
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_while_connected() {
    on_both(|store| async move {
        store.ping().await?;
        store.close().await;
        let closed = store.ping().await;
        assert!(matches!(closed, Err(StoreError::Unreachable(_))), "{closed:?}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_incident_per_alert_group_also_under_concurrent_deliveries() {
    on_both(|store| async move {
        let for_group = |title: &str| NewIncident { alert_key: Some("{}:{alertname=\"NerfServiceDown\"}".into()), ..new_incident("T1", title) };
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let (store, new) = (store.clone(), for_group(&format!("delivery {i}")));
                tokio::spawn(async move { store.create_incident(new, declared("alert", None)).await })
            })
            .collect();
        let mut opened = Vec::new();
        for task in tasks {
            match task.await? {
                Ok(incident) => opened.push(incident),
                Err(StoreError::Conflict) => {}
                Err(other) => return Err(other.into()),
            }
        }
        assert_eq!(opened.len(), 1, "{opened:?}");
        let found = store.open_incident_for_alert(&TeamId::new("T1"), "{}:{alertname=\"NerfServiceDown\"}").await?;
        assert_eq!(found.as_ref(), opened.first());
        assert!(store.open_incident_for_alert(&TeamId::new("T2"), "{}:{alertname=\"NerfServiceDown\"}").await?.is_none());
        // The refused deliveries left no gap in the numbers.
        assert_eq!(start(&store, "T1", "by hand").await?.number, IncidentNumber(2));
        // Once resolved, the group firing again opens a new incident.
        store.save(&Incident { status: Status::Resolved, ..opened[0].clone() }, vec![]).await?;
        assert!(store.open_incident_for_alert(&TeamId::new("T1"), "{}:{alertname=\"NerfServiceDown\"}").await?.is_none());
        let again = store.create_incident(for_group("again"), declared("alert", None)).await?;
        assert_eq!(again.number, IncidentNumber(3));
        Ok(())
    })
    .await;
}
