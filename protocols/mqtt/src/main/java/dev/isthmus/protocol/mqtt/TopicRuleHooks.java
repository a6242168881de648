package dev.isthmus.protocol.mqtt;

import java.util.Objects;

import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.Subscription;

/**
 * The configured topic rules and publish rate limit ({@code mqtt.rules}, {@code mqtt.rate-limit})
 * as hooks of the embedded broker, so the broker keeps devices to their topics and pace as the
 * proxy does: a PUBLISH to a topic the publish rules do not allow is refused with 0x87 Not
 * authorized, and so is a SUBSCRIBE filter the subscribe rules do not allow; a PUBLISH beyond the
 * client's token bucket ({@code rate} a second, {@code burst} at once) gets 0x97 Quota exceeded.
 * The rules are bound to each client's id and user name when it connects.
 */
public final class TopicRuleHooks implements MqttHooks<TopicRuleHooks.Bound> {
    private final TopicRules publish;
    private final TopicRules subscribe;
    private final double rate;
    private final int burst;

    /** @param rate PUBLISH packets a second per client, 0 for no limit; {@code burst} at most at once */
    public TopicRuleHooks(TopicRules publish, TopicRules subscribe, double rate, int burst) {
        this.publish = Objects.requireNonNull(publish, "publish");
        this.subscribe = Objects.requireNonNull(subscribe, "subscribe");
        if (rate < 0 || (rate > 0 && burst < 1)) {
            throw new IllegalArgumentException("rate must be >= 0 and burst >= 1: " + rate + ", " + burst);
        }
        this.rate = rate;
        this.burst = burst;
    }

    /** One client's rules, with its id and user name put in, and its token bucket. */
    public static final class Bound {
        TopicRules.Bound publish;
        TopicRules.Bound subscribe;
        double tokens;
        long refilledAt;
    }

    @Override
    public Bound newContext() {
        return new Bound();
    }

    @Override
    public ConnectDecision connect(MqttClientInfo client, Bound ctx) {
        ctx.publish = publish.bind(client.clientId(), client.userName());
        ctx.subscribe = subscribe.bind(client.clientId(), client.userName());
        ctx.tokens = burst;
        ctx.refilledAt = System.nanoTime();
        return ConnectDecision.allow();
    }

    @Override
    public ReasonCode subscribe(MqttClientInfo client, Subscription subscription, Bound ctx) {
        return ctx.subscribe.allowsFilter(subscription.topicFilter()) ? ReasonCode.SUCCESS : ReasonCode.NOT_AUTHORIZED;
    }

    @Override
    public ReasonCode publish(MqttClientInfo client, String topic, PublishView view, Bound ctx) {
        if (!ctx.publish.allowsTopic(topic)) {
            return ReasonCode.NOT_AUTHORIZED;
        }
        if (rate > 0) {
            long now = System.nanoTime();
            ctx.tokens = Math.min(burst, ctx.tokens + (now - ctx.refilledAt) * rate / 1e9);
            ctx.refilledAt = now;
            if (ctx.tokens < 1) {
                return ReasonCode.QUOTA_EXCEEDED;
            }
            ctx.tokens -= 1;
        }
        return ReasonCode.SUCCESS;
    }
}
