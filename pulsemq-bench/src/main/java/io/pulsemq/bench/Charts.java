package io.pulsemq.bench;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report's plots: grouped bar charts (one bar per broker) written as PNG files next to the report, named
 * {@code bench-<what>.png}. Rendered headless with JFreeChart; a part that was not measured gets no plot.
 */
final class Charts {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 480;
    /** One colour per broker, in {@link BrokerUnderTest.Kind} order, so a broker looks the same in every plot. */
    private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)};

    private Charts() {
    }

    /** Writes every plot the results allow into {@code dir}; answers the file names written. */
    static List<String> write(Results r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> written = new ArrayList<>();
        if (!r.churn.isEmpty()) {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            for (Results.Churn c : r.churn) {
                d.addValue(c.connectsPerSecond(), c.broker(), "connection churn");
            }
            save(bars("Connection churn: connects per second (higher is better)", "connects/s", d, false),
                    dir, "bench-churn.png", written);
        }
        List<Results.PubSub> closed = r.pubsub.stream().filter(p -> p.mode().equals("closed-loop")).toList();
        if (!closed.isEmpty()) {
            save(bars("Publish/subscribe, closed loop: delivered messages per second (higher is better)", "msgs/s",
                    dataset(closed, Results.PubSub::scenario, Results.PubSub::broker,
                            Results.PubSub::deliveredPerSecond), false), dir, "bench-pubsub-throughput.png", written);
        }
        List<Results.PubSub> fixed = r.pubsub.stream().filter(p -> p.mode().equals("fixed-rate")).toList();
        if (!fixed.isEmpty()) {
            save(bars("Publish/subscribe at a fixed offered rate: p99 latency, ms (log scale, lower is better)", "ms",
                    dataset(fixed, p -> p.scenario() + fmt(" @%,d/s", p.offeredRate()), Results.PubSub::broker,
                            p -> Math.max(0.01, p.latency().p99Us() / 1000)), true), dir, "bench-pubsub-latency.png",
                    written);
        }
        if (!r.overload.isEmpty()) {
            save(bars("Overload: broker peak RSS during a flood, MiB (lower is better)", "MiB",
                    dataset(r.overload, Results.Overload::scenario, Results.Overload::broker,
                            o -> o.peakRssKiB() / 1024.0), false), dir, "bench-overload-rss.png", written);
        }
        if (!r.idle.isEmpty()) {
            save(bars("Idle connections: broker RSS per connection, KiB (lower is better)", "KiB per connection",
                    dataset(r.idle, i -> fmt("%,d connections", i.connections()), Results.Idle::broker,
                            Results.Idle::rssPerConnectionKiB), false), dir, "bench-idle-memory.png", written);
        }
        return written;
    }

    private static <T> DefaultCategoryDataset dataset(List<T> rows, Function<T, String> category,
                                                      Function<T, String> series,
                                                      ToDoubleFunction<T> value) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (T row : rows) {
            double v = value.applyAsDouble(row);
            d.addValue(Double.isNaN(v) ? null : v, series.apply(row), category.apply(row));
        }
        return d;
    }

    private static JFreeChart bars(String title, String valueAxis, DefaultCategoryDataset data, boolean log) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, valueAxis, data, PlotOrientation.VERTICAL, true,
                false, false);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (log) {
            LogAxis axis = new LogAxis(valueAxis);
            axis.setSmallestValue(0.01);
            plot.setRangeAxis(axis);
        }
        CategoryAxis categories = plot.getDomainAxis();
        if (data.getColumnCount() > 4) {
            categories.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, colour(String.valueOf(data.getRowKey(i))));
        }
        return chart;
    }

    private static Color colour(String broker) {
        for (BrokerUnderTest.Kind k : BrokerUnderTest.Kind.values()) {
            if (k.label().equals(broker)) {
                return COLOURS[k.ordinal()];
            }
        }
        return Color.GRAY;
    }

    private static void save(JFreeChart chart, Path dir, String name, List<String> written) throws IOException {
        ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, WIDTH, HEIGHT);
        written.add(name);
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
