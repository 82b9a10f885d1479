//! What every handler reads its request through (`inbound`, the bounds), the shape of every
//! answer: `Reply` and `ok`, the view wire answers are built with (taken from
//! the runtime's catalogue, calendar, warning policy and clock), and a page of applications.

use lianban_proto::v1 as pb;
use tonic::{Request, Response, Status};

use crate::convert::{self, View};
use crate::error::Error;
use crate::identity::Caller;
use crate::runtime::Runtime;
use crate::store::ApplicationFilter;

/// What every handler returns.
pub(crate) type Reply<T> = Result<Response<T>, Status>;

/// The message of a request, once it keeps to the bounds of its type (lengths, characters,
/// entries, timestamps): every handler reads its request through here.
pub(crate) fn inbound<T: prost::Message + prost::Name>(request: Request<T>) -> Result<T, Error> {
    let message = request.into_inner();
    convert::check_bounds(&message)?;
    Ok(message)
}

/// The caller and the message of a request, for handlers whose answer depends on who asks.
pub(crate) fn inbound_as<T: prost::Message + prost::Name>(
    request: Request<T>,
) -> Result<(Caller, T), Error> {
    let caller = Caller::of(&request)?;
    Ok((caller, inbound(request)?))
}

/// A successful answer.
pub(crate) fn ok<T>(value: T) -> Reply<T> {
    Ok(Response::new(value))
}

/// What a wire view needs, as it stands now: names, calendar, warning policy and the time.
pub(crate) fn view(runtime: &Runtime) -> View<'_> {
    View {
        catalogue: runtime.catalogue(),
        calendar: runtime.calendar(),
        policy: runtime.policy(),
        now: runtime.now(),
    }
}

/// One page of the applications `filter` finds, on the wire, with the token of the next page.
pub(crate) async fn application_page(
    runtime: &Runtime,
    filter: &ApplicationFilter,
    page_size: u32,
    page_token: &str,
) -> Result<(Vec<pb::Application>, String), Error> {
    let page = convert::page_request(page_size, page_token)?;
    let found = runtime.store().applications(filter, &page).await?;
    let view = view(runtime);
    let applications = found
        .items
        .iter()
        .map(|a| convert::application_to_wire(a, &view))
        .collect();
    Ok((applications, convert::page_token(found.next_after)))
}
