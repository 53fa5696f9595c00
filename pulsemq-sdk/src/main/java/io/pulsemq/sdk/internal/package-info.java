/**
 * Implementation of the SDK: HTTP transport with retries, the Server-Sent Events connection and parser, the
 * presence mirror. Not public API: anything here may change in any release.
 */
package io.pulsemq.sdk.internal;
