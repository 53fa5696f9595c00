package io.pulsemq.broker.routing;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the router hands its {@link RemoteRoutes}, and how it delivers what other nodes send. */
class RouterRemoteRoutesTest {

    private final Routes routes = new Routes();
    private final MemoryNode node = new MemoryNode(SubscriptionTrie.Listener.NONE, new InMemoryRetainedStore(), routes);
    private final List<Message> listened = new CopyOnWriteArrayList<>();

    RouterRemoteRoutesTest() {
        node.router().addPublishListener(listened::add);
    }

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void publish_local_isForwardedOnce_andDeliveredHere() {
        MemoryNode.Client sub = node.connect("sub").subscribe("t/#", 1);

        node.publish("pub", "t/1", 1, false, "x");

        assertThat(routes.forwarded).extracting(Message::topic).containsExactly("t/1");
        assertThat(sub.topics()).containsExactly("t/1");
    }

    @Test
    void deliverRemote_reachesLocalSubscribersAndListeners_isNotForwarded_andLeavesRetainedAlone() {
        MemoryNode.Client sub = node.connect("sub").subscribe("t/#", 1);

        node.router().deliverRemote(Message.of("t/1", 1, true, new byte[] {1}, "pub", 0).withOrigin("b"),
                RemoteRoutes.SharedPicks.NONE);

        assertThat(routes.forwarded).isEmpty();
        assertThat(sub.topics()).containsExactly("t/1");
        assertThat(listened).extracting(Message::origin).containsExactly("b");
        assertThat(node.retained().size()).isZero();
        assertThat(node.router().fromRemoteCount()).isEqualTo(1);
        assertThat(node.router().publishedCount()).isZero();
    }

    @Test
    void publish_ofAMessageWithAnOrigin_isNotForwarded() {
        MemoryNode.Client sub = node.connect("sub").subscribe("t/#", 0);

        node.router().publish(Message.of("t/1", 0, false, new byte[] {1}, "pub", 0).withOrigin("b"));

        assertThat(routes.forwarded).isEmpty();
        assertThat(sub.topics()).containsExactly("t/1");
    }

    @Test
    void sharedGroup_pickedOnAnotherNode_isNotDeliveredHere_butPlainSubscribersAre() {
        MemoryNode.Client member = node.connect("member").subscribe("$share/g/t/#", 1);
        MemoryNode.Client plain = node.connect("plain").subscribe("t/#", 1);
        routes.picks = (share, filter) -> false;

        node.publish("pub", "t/1", 1, false, "x");

        assertThat(member.received()).isEmpty();
        assertThat(plain.topics()).containsExactly("t/1");
    }

    @Test
    void deliverRemote_deliversOnlyToTheGroupsPickedHere() {
        MemoryNode.Client g = node.connect("g1").subscribe("$share/g/t/#", 1);
        MemoryNode.Client h = node.connect("h1").subscribe("$share/h/t/#", 1);

        node.router().deliverRemote(Message.of("t/1", 1, false, new byte[] {1}, "pub", 0).withOrigin("b"),
                (share, filter) -> share.equals("g") && filter.equals("t/#"));

        assertThat(g.topics()).containsExactly("t/1");
        assertThat(h.received()).isEmpty();
    }

    @Test
    void deliverRemote_ofALocalMessage_isRefused() {
        assertThatThrownBy(() -> node.router().deliverRemote(Message.of("t", 0, false, new byte[0], "p", 0),
                RemoteRoutes.SharedPicks.ALL)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addInterest_isHandedToTheRoutes() {
        node.router().addInterest("parent/#");
        node.router().removeInterest("parent/#");

        assertThat(routes.interest).containsExactly("+parent/#", "-parent/#");
    }

    /** Records what the router forwards; picks as the test says. */
    private static final class Routes implements RemoteRoutes {
        final List<Message> forwarded = new CopyOnWriteArrayList<>();
        final List<String> interest = new CopyOnWriteArrayList<>();
        volatile SharedPicks picks = SharedPicks.ALL;

        @Override
        public SharedPicks forward(Message message) {
            forwarded.add(message);
            return picks;
        }

        @Override
        public void addInterest(String filter) {
            interest.add("+" + filter);
        }

        @Override
        public void removeInterest(String filter) {
            interest.add("-" + filter);
        }
    }
}
