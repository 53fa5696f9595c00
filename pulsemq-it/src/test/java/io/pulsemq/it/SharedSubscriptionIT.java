package io.pulsemq.it;

import io.pulsemq.it.AnyClient.Kind;
import io.pulsemq.it.AnyClient.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared subscriptions {@code $share/<group>/<filter>}: every message reaches exactly one member of
 * each group, every group gets every message, and members share the load. To know a member has
 * received everything meant for it, each member also has a plain subscription to its own marker
 * topic; the marker is published last, so it arrives after that member's share.
 */
class SharedSubscriptionIT {

    private static final int MESSAGES = 30;

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shared_oneGroup_eachMessageToExactlyOneMemberAndLoadShared() throws Exception {
        String topic = unique("shared/one");
        String group = unique("g");
        List<Member> members = new ArrayList<>();
        try (AnyClient pub = Kind.HIVEMQ_V5.connect(broker, unique("pub"))) {
            for (int i = 0; i < 3; i++) {
                members.add(Member.join(Kind.HIVEMQ_V5, "$share/" + group + "/" + topic));
            }

            List<String> sent = publishNumbered(pub, topic);

            List<String> all = new ArrayList<>();
            for (Member m : members) {
                List<String> share = m.receiveShare(pub);
                assertThat(share).as("every member gets a share of the load").isNotEmpty();
                all.addAll(share);
            }
            assertThat(all).as("each message reaches exactly one member").containsExactlyInAnyOrderElementsOf(sent);
        } finally {
            closeAll(members);
        }
    }

    @Test
    void shared_twoGroupsAndPlainSubscriber_eachGetsEveryMessageOnce() throws Exception {
        String topic = unique("shared/two");
        String groupA = unique("ga");
        String groupB = unique("gb");
        List<Member> a = new ArrayList<>();
        List<Member> b = new ArrayList<>();
        try (AnyClient pub = Kind.HIVEMQ_V5.connect(broker, unique("pub"))) {
            a.add(Member.join(Kind.HIVEMQ_V5, "$share/" + groupA + "/" + topic));
            a.add(Member.join(Kind.PAHO_V5, "$share/" + groupA + "/" + topic));
            String wildcard = "+/" + topic.substring("shared/".length()); // group B matches by wildcard
            b.add(Member.join(Kind.HIVEMQ_V5, "$share/" + groupB + "/" + wildcard));
            b.add(Member.join(Kind.HIVEMQ_V5, "$share/" + groupB + "/" + wildcard));
            Member plain = Member.join(Kind.HIVEMQ_V5, topic);
            b.add(plain); // closed with group B; checked on its own below

            List<String> sent = publishNumbered(pub, topic);

            assertThat(receiveAll(a, pub)).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(receiveAll(b.subList(0, 2), pub)).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(plain.receiveShare(pub)).containsExactlyElementsOf(sent);
        } finally {
            closeAll(a);
            closeAll(b);
        }
    }

    @Test
    void shared_v311AndV5Members_shareOneGroup() throws Exception {
        String topic = unique("shared/mixed");
        String group = unique("g");
        List<Member> members = new ArrayList<>();
        try (AnyClient pub = Kind.PAHO_V311.connect(broker, unique("pub"))) {
            members.add(Member.join(Kind.HIVEMQ_V311, "$share/" + group + "/" + topic));
            members.add(Member.join(Kind.PAHO_V5, "$share/" + group + "/" + topic));

            List<String> sent = publishNumbered(pub, topic);

            List<String> all = new ArrayList<>();
            for (Member m : members) {
                List<String> share = m.receiveShare(pub);
                assertThat(share).isNotEmpty();
                all.addAll(share);
            }
            assertThat(all).containsExactlyInAnyOrderElementsOf(sent);
        } finally {
            closeAll(members);
        }
    }

    @Test
    void shared_memberUnsubscribes_remainingMemberGetsEverything() throws Exception {
        String topic = unique("shared/leave");
        String filter = "$share/" + unique("g") + "/" + topic;
        List<Member> members = new ArrayList<>();
        try (AnyClient pub = Kind.HIVEMQ_V5.connect(broker, unique("pub"))) {
            members.add(Member.join(Kind.HIVEMQ_V5, filter));
            members.add(Member.join(Kind.HIVEMQ_V5, filter));

            members.get(0).client.unsubscribe(filter);
            List<String> sent = publishNumbered(pub, topic);

            assertThat(members.get(0).receiveShare(pub)).isEmpty();
            assertThat(members.get(1).receiveShare(pub)).containsExactlyElementsOf(sent);
        } finally {
            closeAll(members);
        }
    }

    private static List<String> publishNumbered(AnyClient pub, String topic) throws Exception {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            String text = "m" + i;
            pub.publish(topic, 1, false, utf8(text));
            sent.add(text);
        }
        return sent;
    }

    private static List<String> receiveAll(List<Member> members, AnyClient pub) throws Exception {
        List<String> all = new ArrayList<>();
        for (Member m : members) {
            all.addAll(m.receiveShare(pub));
        }
        return all;
    }

    private static void closeAll(List<Member> members) throws Exception {
        for (Member m : members) {
            m.client.close();
        }
    }

    /** A subscriber with its own marker topic. */
    private record Member(AnyClient client, String markerTopic) {

        static Member join(Kind kind, String filter) throws Exception {
            AnyClient c = kind.connect(broker, unique("member"));
            String marker = unique("marker");
            c.subscribe(marker, 1);
            c.subscribe(filter, 1);
            return new Member(c, marker);
        }

        /** Publishes this member's marker and returns what it received before it, in order. */
        List<String> receiveShare(AnyClient pub) throws Exception {
            pub.publish(markerTopic, 1, false, utf8("marker"));
            List<String> got = new ArrayList<>();
            for (Received r = client.next(); !r.topic().equals(markerTopic); r = client.next()) {
                got.add(r.text());
            }
            return got;
        }
    }
}
