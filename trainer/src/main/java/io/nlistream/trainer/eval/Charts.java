package io.nlistream.trainer.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's PNG plots, drawn with JFreeChart (headless). */
public final class Charts {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    /** One line per series over epochs 1..n (NaN points are left out). */
    public static void epochCurves(Path png, String title, String yLabel, Map<String, double[]> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, values) -> {
            XYSeries s = new XYSeries(name);
            for (int i = 0; i < values.length; i++) {
                if (!Double.isNaN(values[i])) {
                    s.add(i + 1, values[i]);
                }
            }
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, "epoch", yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        save(png, chart);
    }

    /**
     * Reliability diagram: accuracy against mean confidence per non-empty bin, one line per series, and the diagonal
     * a calibrated model follows.
     */
    public static void reliability(Path png, String title, Map<String, List<Calibration.Bin>> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries perfect = new XYSeries("perfectly calibrated");
        perfect.add(0, 0);
        perfect.add(1, 1);
        data.addSeries(perfect);
        series.forEach((name, bins) -> {
            XYSeries s = new XYSeries(name, false);
            bins.stream().filter(b -> b.count() > 0).forEach(b -> s.add(b.confidence(), b.accuracy()));
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, "confidence (mean per bin)", "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        plot.getDomainAxis().setRange(0, 1);
        plot.getRangeAxis().setRange(0, 1);
        save(png, chart);
    }

    /** Heat map of {@code confusion[gold][predicted]} with the count in each cell; gold labels top to bottom. */
    public static void confusionMatrix(Path png, String title, long[][] confusion, List<String> labels) {
        int k = labels.size();
        double[][] xyz = new double[3][k * k];
        long max = 1;
        for (int g = 0; g < k; g++) {
            for (int p = 0; p < k; p++) {
                int i = g * k + p;
                xyz[0][i] = p;
                xyz[1][i] = g;
                xyz[2][i] = confusion[g][p];
                max = Math.max(max, confusion[g][p]);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("count", xyz);
        String[] names = labels.toArray(String[]::new);
        SymbolAxis predicted = new SymbolAxis("predicted", names);
        SymbolAxis gold = new SymbolAxis("gold", names);
        gold.setInverted(true);
        XYBlockRenderer renderer = new XYBlockRenderer();
        BluePaintScale scale = new BluePaintScale(max);
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, predicted, gold, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        for (int g = 0; g < k; g++) {
            for (int p = 0; p < k; p++) {
                XYTextAnnotation label = new XYTextAnnotation(Long.toString(confusion[g][p]), p, g);
                label.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
                label.setPaint(confusion[g][p] > max / 2 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(label);
            }
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("pairs");
        legendAxis.setRange(0, max);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(10, 10, 10, 10);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        save(png, chart);
    }

    /** Grouped bars: one group per category (e.g. label), one bar per series (e.g. dataset role or run). */
    public static void groupedBars(
            Path png, String title, String valueLabel, Map<String, Map<String, Double>> series, String valueFormat) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        series.forEach((name, values) -> values.forEach((category, v) -> data.addValue(v, name, category)));
        JFreeChart chart = ChartFactory.createBarChart(
                title, null, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setDefaultItemLabelGenerator(
                new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(valueFormat)));
        renderer.setDefaultItemLabelsVisible(true);
        save(png, chart);
    }

    private static void save(Path png, JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        } else if (chart.getPlot() instanceof CategoryPlot cat) {
            cat.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }

    /** White to dark blue, linear in the count. */
    private record BluePaintScale(double upper) implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            double t = Math.max(0, Math.min(1, value / upper));
            return new Color((int) (247 - t * (247 - 8)), (int) (251 - t * (251 - 48)), (int) (255 - t * (255 - 107)));
        }
    }
}
