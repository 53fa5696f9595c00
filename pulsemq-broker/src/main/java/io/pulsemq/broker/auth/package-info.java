/**
 * Authentication: access keys and the credentials file. {@link io.pulsemq.broker.auth.Credentials} makes sure a
 * broker without configured keys gets a generated admin key, stored in {@code <data>/credentials.json} with mode
 * 0600 and printed once. Secrets are never logged.
 */
package io.pulsemq.broker.auth;
