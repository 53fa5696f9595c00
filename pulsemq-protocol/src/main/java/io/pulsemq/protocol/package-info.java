/**
 * Values shared by the broker and its SDK: client identity ({@link io.pulsemq.protocol.ClientIds}),
 * why connections end ({@link io.pulsemq.protocol.DisconnectReason}) and ApsaraMQ-compatible signing
 * ({@link io.pulsemq.protocol.Signatures}). No dependencies beyond the JDK.
 */
package io.pulsemq.protocol;
