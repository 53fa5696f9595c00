/**
 * The status API: {@link io.pulsemq.broker.api.StatusApi} registers the {@code /api/v1} routes (status queries,
 * lists, groups, traces, kicks, the Server-Sent Events stream and exports, the OpenAPI document) and the
 * ApsaraMQ-compatible RPC actions on {@code /}, on an {@link io.pulsemq.broker.http.HttpRoutes}. It owns the small
 * executor that reads the status log off the event loops. Access keys authenticate every call (HTTP Basic, or
 * the RPC signature on {@code /}); server keys see only their groups.
 */
package io.pulsemq.broker.api;
