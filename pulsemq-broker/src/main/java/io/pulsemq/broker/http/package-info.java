/**
 * The HTTP/1.1 listener on Netty: {@link io.pulsemq.broker.http.HttpServer}, the route table
 * {@link io.pulsemq.broker.http.HttpRoutes} and the Netty-free request and response records route handlers work
 * with. Handlers run on event loops and must not block; slow work completes a returned stage instead. Every
 * error answer is JSON, {@code {"error": "<code>", "message": "..."}}.
 */
package io.pulsemq.broker.http;
