package io.pulsemq.broker.amqp;

import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.authz.Identity;
import io.pulsemq.broker.authz.Permissions;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.protocol.ClientIds;

import java.util.Optional;

/**
 * What one server SDK connection may read and send, decided from its access key and the authorization rules
 * (evaluated once, at login, for {@link Identity#backend}). Methods return decisions; the channel acts on them.
 *
 * <ul>
 *   <li><b>Status</b> of group G ({@code STATUS} with {@code GROUP_ID} G): the key sees G
 *       ({@link AccessKey#seesGroup}: admin keys every group, server keys their {@code groups}, as on HTTP).</li>
 *   <li><b>Device messages</b> of parent topic P (queue P): the rules let the key subscribe to {@code P/#}; of
 *       those messages, one a device published only if the key sees the device's group ({@link #reads}); one a
 *       backend published (no client ID) always.</li>
 *   <li><b>Sending</b> to topic T: the rules let the key publish to T (and retain, for a retained message); for a
 *       point-to-point topic {@code <parent>/p2p/<clientId>}, the key also sees the target client's group.</li>
 * </ul>
 *
 * <p>Not thread-safe (the permissions cache publish decisions): one per connection, used on its event loop. The
 * static methods are thread-safe.
 */
final class KeyScope {

    private final AccessKey key;
    private final Permissions permissions;

    private KeyScope(AccessKey key, Permissions permissions) {
        this.key = key;
        this.permissions = permissions;
    }

    /** The scope of a connection that logged in with {@code key}. */
    static KeyScope of(AccessKey key, Authorizer authorizer) {
        return new KeyScope(key, permissionsOf(key, authorizer));
    }

    AccessKey key() {
        return key;
    }

    /** Why the key may not consume group {@code groupId}'s status events; empty when it may. */
    Optional<String> statusRefusal(String groupId) {
        if (key.seesGroup(groupId)) {
            return Optional.empty();
        }
        return Optional.of("access key " + key.id() + " is not allowed for this group");
    }

    /** Why the key may not read the queue of parent topic {@code parentTopic}; empty when it may. */
    Optional<String> topicRefusal(String parentTopic) {
        if (mayRead(permissions, parentTopic)) {
            return Optional.empty();
        }
        return Optional.of("the authorization rules do not let access key " + key.id() + " subscribe to '"
                + parentTopic + "/#'");
    }

    /**
     * Why the key may not send to {@code topic}; empty when it may.
     *
     * @param retain whether the message is to be retained (needs the {@code retain} action too)
     */
    Optional<String> publishRefusal(String topic, boolean retain) {
        if (!permissions.mayPublish(topic, retain)) {
            return Optional.of("the authorization rules do not let access key " + key.id() + " publish "
                    + (retain ? "a retained message " : "") + "there");
        }
        String target = Router.p2pTarget(topic);
        if (target != null && !key.seesGroup(ClientIds.groupOf(target))) {
            return Optional.of("access key " + key.id() + " is not allowed for group '" + ClientIds.groupOf(target)
                    + "' of the p2p target");
        }
        return Optional.empty();
    }

    /**
     * Whether {@code key} may (still) read the queue of {@code parentTopic}: a server or admin key the rules let
     * subscribe to {@code P/#}. For queues stored before a restart, whose key or rules may have changed since.
     */
    static boolean mayRead(AccessKey key, Authorizer authorizer, String parentTopic) {
        return key.role() != AccessKey.Role.DEVICE && mayRead(permissionsOf(key, authorizer), parentTopic);
    }

    /** The group that decides who may read {@code message}: its device's group, or null for a backend's message. */
    static String senderGroup(Message message) {
        return message.publisherId().isEmpty() ? null : ClientIds.groupOf(message.publisherId());
    }

    /** Whether a reader with {@code key} gets a message of {@link #senderGroup} {@code senderGroup}. */
    static boolean reads(AccessKey key, String senderGroup) {
        return senderGroup == null || key.seesGroup(senderGroup);
    }

    private static boolean mayRead(Permissions permissions, String parentTopic) {
        String filter = parentTopic + "/#"; // matches the parent topic itself too
        return permissions.maySubscribe(filter, filter);
    }

    private static Permissions permissionsOf(AccessKey key, Authorizer authorizer) {
        return authorizer.permissionsFor(Identity.backend(key.id()));
    }
}
