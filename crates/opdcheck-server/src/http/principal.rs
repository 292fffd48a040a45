//! Who is calling, as axum extractors: [`Principal`] (from `X-Api-Key` or
//! `Authorization: Bearer`, resolved by [`auth::resolve`]) and [`ClientAddr`] (the client's
//! address, behind trusted proxies too).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::auth::{self, Credential, Principal};
use crate::error::Error;
use crate::http::AppState;
use crate::store::Store;

impl FromRequestParts<AppState> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if !state.auth_enabled() {
            return Ok(Principal::Open);
        }
        let store = state.store()?;
        let client = client_addr(parts, state.trusted_proxies());
        let credential = match parts.headers.get("x-api-key") {
            Some(key) => Credential::ApiKey(
                key.to_str()
                    .map_err(|_| auth::unauthorized("unauthorized", "invalid API key"))?,
            ),
            None => bearer(&parts.headers).map_or(Credential::None, Credential::Bearer),
        };
        auth::resolve(store, credential, state.idle_timeout(), client).await
    }
}

/// The audit trail is written to the state's store.
impl auth::StoreAccess for AppState {
    fn store(&self) -> Result<&Store, Error> {
        AppState::store(self)
    }
}

/// The peer address, when the server knows it: never a rejection (`oneshot` tests have none).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts, state.trusted_proxies())))
    }
}

/// The client's address, when the server knows it: the connection's peer (`serve` passes
/// connect info; `None` in-process with `oneshot`), or, when that peer is one of the
/// `trusted_proxies`, the address that proxy says it forwarded for (see [`forwarded_client`]).
pub fn client_addr(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(forwarded_client(peer, &parts.headers, trusted_proxies))
}

/// Behind trusted reverse proxies, the client is the right-most `X-Forwarded-For` entry that is
/// not itself a trusted proxy: entries left of it were written by the client and prove nothing.
/// A peer that is not trusted is the client whatever the header says (anyone can send one); an
/// entry that does not read as an address stops the walk at the last trusted hop.
pub fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Ok(addr) = hop.parse::<IpAddr>() else {
            break;
        };
        client = addr;
        if !trusted_proxies.contains(&addr) {
            break;
        }
    }
    client
}

/// The bearer token of the request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use axum::http::{HeaderMap, HeaderValue};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let proxies = [ip("127.0.0.1"), ip("10.0.0.2")];
        let peer = ip("127.0.0.1");
        // One proxy: the address it appended.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7"]), &proxies),
            ip("203.0.113.7")
        );
        // A client-written entry on the left is not believed.
        assert_eq!(
            forwarded_client(peer, &xff(&["198.51.100.1, 203.0.113.7"]), &proxies),
            ip("203.0.113.7")
        );
        // Two trusted proxies in a chain, over two header lines.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7", "10.0.0.2"]), &proxies),
            ip("203.0.113.7")
        );
        // No header: the proxy itself.
        assert_eq!(forwarded_client(peer, &xff(&[]), &proxies), peer);
        // Garbage stops at the last trusted hop.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7, unknown"]), &proxies),
            peer
        );
        // A peer that is not a trusted proxy is the client whatever it claims.
        assert_eq!(
            forwarded_client(ip("192.0.2.5"), &xff(&["203.0.113.7"]), &proxies),
            ip("192.0.2.5")
        );
        // Nothing trusted: the header is ignored.
        assert_eq!(forwarded_client(peer, &xff(&["203.0.113.7"]), &[]), peer);
    }
}
