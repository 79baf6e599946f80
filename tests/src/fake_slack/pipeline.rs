//! Answers one Web API call: method, token and arguments are checked in Slack's order, then an
//! armed fault may answer instead, then the method runs.

use super::methods;
use super::model::Call;
use super::reply::Reply;
use super::request::Request;
use super::spec;
use super::state::State;

/// Answers `method` and records the call with its answer.
pub(super) fn answer(state: &mut State, method: &str, request: &Request) -> Reply {
    let received_at = std::time::Instant::now();
    let reply = checked_reply(state, method, request, received_at);
    state.calls.push(Call {
        method: method.to_owned(),
        args: request.args.to_value(),
        status: reply.status,
        response: reply.body.clone(),
        received_at,
    });
    reply
}

fn checked_reply(state: &mut State, method: &str, request: &Request, now: std::time::Instant) -> Reply {
    let Some(contract) = spec::contract(method) else {
        state.violation(format!("{method}: unknown method"));
        return Reply::error(404, "unknown_method");
    };
    if let Some(reply) = auth_failure(state, method, request) {
        return reply;
    }
    let problems: Vec<String> = request
        .problems
        .iter()
        .cloned()
        .chain(contract.problems(&request.args))
        .collect();
    if !problems.is_empty() {
        for problem in problems {
            state.violation(format!("{method}: {problem}"));
        }
        return Reply::error(200, "invalid_arguments");
    }
    // A fault stands for Slack failing before it acts, so the method must not run.
    if let Some(reply) = state.throttle.as_mut().and_then(|switch| switch.answer(now)) {
        return reply;
    }
    if let Some(fault) = state.faults.take(method) {
        return fault.reply();
    }
    match methods::dispatch(state, method, &request.args) {
        Ok(fields) => Reply::ok(fields),
        Err(rejection) => {
            if let Some(why) = rejection.violation {
                state.violation(format!("{method}: {why}"));
            }
            Reply::error(200, rejection.error)
        }
    }
}

/// Slack's answer to a missing or wrong token, which it gives with HTTP 200.
fn auth_failure(state: &mut State, method: &str, request: &Request) -> Option<Reply> {
    let error = match &request.token {
        None => "not_authed",
        Some(token) => super::apps::token_error(state, method, token)?,
    };
    let hint = if request.token_in_json {
        " (a `token` in a JSON body is ignored: send `Authorization: Bearer`)"
    } else {
        ""
    };
    state.violation(format!("{method}: {error}{hint}"));
    Some(Reply::error(200, error))
}
