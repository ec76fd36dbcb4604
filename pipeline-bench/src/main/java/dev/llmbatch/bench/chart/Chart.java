package dev.llmbatch.bench.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small line chart drawn with java.awt (headless): series, horizontal reference lines (quotas, limits), shaded
 * x-ranges (steady part, storm), axes with round ticks, labels and a legend. Several charts can be stacked into one
 * PNG ({@link #writePng}). Not thread-safe.
 */
public final class Chart {
    public static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Line> lines = new ArrayList<>();
    private final List<HLine> hlines = new ArrayList<>();
    private final List<Shade> shades = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private Double xMin;
    private Double xMax;
    private Double yMin = 0.0;
    private Double yMax;
    private String subtitle;
    private List<String> barLabels;
    private double[] barValues;
    private Color barColor;

    private record Line(String name, Color color, double[] xs, double[] ys, boolean dashed, float width,
                        boolean step) {
    }

    private record HLine(String name, double y, Color color) {
    }

    private record Shade(String label, double x0, double x1, Color color) {
    }

    private record Marker(String label, double x, double y, Color color) {
    }

    public Chart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public Chart subtitle(String s) {
        this.subtitle = s;
        return this;
    }

    public Chart line(String name, Color color, double[] xs, double[] ys) {
        lines.add(new Line(name, color, xs, ys, false, 2f, false));
        return this;
    }

    /** A step line (for an empirical CDF). */
    public Chart step(String name, Color color, double[] xs, double[] ys) {
        lines.add(new Line(name, color, xs, ys, false, 2f, true));
        return this;
    }

    /** A bar chart of one value per category (categories on the x axis, value printed on each bar). */
    public Chart bars(List<String> labels, double[] values, Color color) {
        this.barLabels = List.copyOf(labels);
        this.barValues = values.clone();
        this.barColor = color;
        return this;
    }

    /** A horizontal dashed reference line in {@code color}, named in the legend (e.g. a region's quota). */
    public Chart hline(String name, double y, Color color) {
        hlines.add(new HLine(name, y, color));
        return this;
    }

    public Chart shade(String label, double x0, double x1, Color color) {
        shades.add(new Shade(label, x0, x1, color));
        return this;
    }

    /** A labelled dot, e.g. p99 on a CDF. */
    public Chart marker(String label, double x, double y, Color color) {
        markers.add(new Marker(label, x, y, color));
        return this;
    }

    public Chart xRange(double min, double max) {
        this.xMin = min;
        this.xMax = max;
        return this;
    }

    public Chart yRange(double min, double max) {
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    /** Writes the charts stacked vertically into one PNG of {@code width} x {@code panelHeight * n}. */
    public static void writePng(Path file, int width, int panelHeight, List<Chart> panels) throws IOException {
        BufferedImage img = new BufferedImage(width, panelHeight * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).render(g, new Rectangle(0, i * panelHeight, width, panelHeight));
        }
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    public void writePng(Path file, int width, int height) throws IOException {
        writePng(file, width, height, List.of(this));
    }

    void render(Graphics2D g, Rectangle area) {
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        int left = area.x + 80;
        int right = area.x + area.width - 25;
        int top = area.y + (subtitle == null ? 40 : 56);
        int bottom = area.y + area.height - 50;
        Rectangle plot = new Rectangle(left, top, right - left, bottom - top);

        double[] xr = barLabels != null ? new double[] {-0.5, barLabels.size() - 0.5} : xRangeOrData();
        double[] yr = yRangeOrData();
        double[] xt = ticks(xr[0], xr[1], 10);
        double[] yt = ticks(yr[0], yr[1], 6);
        // extend the y range to the last tick so lines at the top stay inside
        yr[1] = Math.max(yr[1], yt[yt.length - 1]);
        Mapper m = new Mapper(plot, xr[0], xr[1], yr[0], yr[1]);

        g.setFont(titleFont);
        g.setColor(Color.BLACK);
        g.drawString(title, area.x + 15, area.y + 24);
        if (subtitle != null) {
            g.setFont(small);
            g.setColor(Color.DARK_GRAY);
            g.drawString(subtitle, area.x + 15, area.y + 42);
        }

        for (Shade s : shades) {
            int x0 = m.x(Math.max(s.x0, xr[0]));
            int x1 = m.x(Math.min(s.x1, xr[1]));
            g.setColor(s.color);
            g.fillRect(x0, plot.y, Math.max(1, x1 - x0), plot.height);
            g.setFont(small);
            g.setColor(Color.DARK_GRAY);
            g.drawString(s.label, x0 + 4, plot.y + 13);
        }

        // grid and ticks
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        for (double t : yt) {
            if (t < yr[0] || t > yr[1]) {
                continue;
            }
            int y = m.y(t);
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(plot.x, y, plot.x + plot.width, y);
            g.setColor(Color.BLACK);
            String s = fmt(t);
            g.drawString(s, plot.x - 6 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
        }
        for (double t : barLabels != null ? new double[0] : xt) {
            if (t < xr[0] || t > xr[1]) {
                continue;
            }
            int x = m.x(t);
            g.setColor(new Color(0xF0F0F0));
            g.drawLine(x, plot.y, x, plot.y + plot.height);
            g.setColor(Color.BLACK);
            String s = fmt(t);
            g.drawString(s, x - fm.stringWidth(s) / 2, plot.y + plot.height + fm.getAscent() + 4);
        }
        if (barLabels != null) {
            g.setColor(Color.BLACK);
            for (int i = 0; i < barLabels.size(); i++) {
                String l = barLabels.get(i);
                g.drawString(l, m.x(i) - fm.stringWidth(l) / 2, plot.y + plot.height + fm.getAscent() + 4);
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(plot.x, plot.y, plot.width, plot.height);
        g.drawString(xLabel, plot.x + plot.width / 2 - fm.stringWidth(xLabel) / 2, plot.y + plot.height + 36);
        Graphics2D gy = (Graphics2D) g.create();
        gy.rotate(-Math.PI / 2);
        gy.drawString(yLabel, -(plot.y + plot.height / 2 + fm.stringWidth(yLabel) / 2), area.x + 18);
        gy.dispose();

        Graphics2D clip = (Graphics2D) g.create();
        clip.clip(new Rectangle(plot.x, plot.y - 1, plot.width + 1, plot.height + 2));
        Stroke dashed = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f},
                0f);
        for (HLine h : hlines) {
            clip.setColor(h.color);
            clip.setStroke(dashed);
            int y = m.y(h.y);
            clip.drawLine(plot.x, y, plot.x + plot.width, y);
        }
        for (Line l : lines) {
            clip.setColor(l.color);
            clip.setStroke(l.dashed ? dashed : new BasicStroke(l.width, BasicStroke.CAP_ROUND,
                    BasicStroke.JOIN_ROUND));
            Path2D.Double p = new Path2D.Double();
            boolean started = false;
            double prevY = 0;
            for (int i = 0; i < l.xs.length; i++) {
                if (Double.isNaN(l.ys[i]) || Double.isNaN(l.xs[i])) {
                    started = false;
                    continue;
                }
                double px = m.xd(l.xs[i]);
                double py = m.yd(l.ys[i]);
                if (!started) {
                    p.moveTo(px, py);
                    started = true;
                } else {
                    if (l.step) {
                        p.lineTo(px, prevY);
                    }
                    p.lineTo(px, py);
                }
                prevY = py;
            }
            clip.draw(p);
        }
        if (barLabels != null) {
            double w = plot.width / (double) barLabels.size() * 0.6;
            for (int i = 0; i < barLabels.size(); i++) {
                int x = m.x(i);
                int y = m.y(barValues[i]);
                clip.setColor(barColor);
                clip.fillRect((int) (x - w / 2), y, (int) w, plot.y + plot.height - y);
                clip.setColor(Color.BLACK);
                clip.setFont(font);
                String v = fmt(barValues[i]);
                clip.drawString(v, x - clip.getFontMetrics().stringWidth(v) / 2, y - 4);
            }
        }
        for (Marker mk : markers) {
            int x = m.x(mk.x);
            int y = m.y(mk.y);
            clip.setColor(mk.color);
            clip.fillOval(x - 4, y - 4, 8, 8);
            clip.setFont(small);
            clip.setColor(Color.BLACK);
            clip.drawString(mk.label, x + 7, y + 12);
        }
        clip.dispose();

        // legend
        List<String> names = new ArrayList<>();
        List<Color> colors = new ArrayList<>();
        List<Boolean> dash = new ArrayList<>();
        for (Line l : lines) {
            names.add(l.name);
            colors.add(l.color);
            dash.add(l.dashed);
        }
        for (HLine h : hlines) {
            names.add(h.name);
            colors.add(h.color);
            dash.add(true);
        }
        if (!names.isEmpty()) {
            g.setFont(small);
            FontMetrics sm = g.getFontMetrics();
            int w = names.stream().mapToInt(sm::stringWidth).max().orElse(0) + 44;
            int h = names.size() * 16 + 8;
            int lx = plot.x + plot.width - w - 8;
            int ly = plot.y + 8;
            g.setColor(new Color(255, 255, 255, 225));
            g.fillRect(lx, ly, w, h);
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(lx, ly, w, h);
            for (int i = 0; i < names.size(); i++) {
                int yy = ly + 14 + i * 16;
                g.setColor(colors.get(i));
                g.setStroke(dash.get(i) ? dashed : new BasicStroke(2.5f));
                g.drawLine(lx + 6, yy - 4, lx + 32, yy - 4);
                g.setColor(Color.BLACK);
                g.drawString(names.get(i), lx + 38, yy);
            }
            g.setStroke(new BasicStroke(1f));
        }
    }

    private double[] xRangeOrData() {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (double x : l.xs) {
                if (!Double.isNaN(x)) {
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
            }
        }
        if (xMin != null) {
            lo = xMin;
        }
        if (xMax != null) {
            hi = xMax;
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        if (Double.isInfinite(lo)) {
            lo = 0;
            hi = 1;
        }
        return new double[] {lo, hi};
    }

    private double[] yRangeOrData() {
        double hi = Double.NEGATIVE_INFINITY;
        for (Line l : lines) {
            for (double y : l.ys) {
                if (!Double.isNaN(y)) {
                    hi = Math.max(hi, y);
                }
            }
        }
        for (HLine h : hlines) {
            hi = Math.max(hi, h.y);
        }
        if (barValues != null) {
            for (double v : barValues) {
                hi = Math.max(hi, v);
            }
        }
        double lo = yMin == null ? 0 : yMin;
        if (yMax != null) {
            hi = yMax;
        } else {
            hi = hi * 1.08;
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        return new double[] {lo, hi};
    }

    /** Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi] with about {@code n} ticks. */
    public static double[] ticks(double lo, double hi, int n) {
        double raw = (hi - lo) / Math.max(1, n);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * mag >= raw) {
                step = f * mag;
                break;
            }
        }
        double start = Math.ceil(lo / step - 1e-9) * step;
        List<Double> out = new ArrayList<>();
        for (double t = start; t <= hi + step * 0.999; t += step) {
            out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** 1234567 -> 1.23M, 45000 -> 45k, 0.25 -> 0.25. */
    public static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return trim(String.format(Locale.ROOT, "%.2f", v / 1e6)) + "M";
        }
        if (a >= 1e4) {
            return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return trim(String.format(Locale.ROOT, "%.2f", v));
    }

    private static String trim(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private record Mapper(Rectangle p, double x0, double x1, double y0, double y1) {
        double xd(double x) {
            return p.x + (x - x0) / (x1 - x0) * p.width;
        }

        double yd(double y) {
            return p.y + p.height - (y - y0) / (y1 - y0) * p.height;
        }

        int x(double x) {
            return (int) Math.round(xd(x));
        }

        int y(double y) {
            return (int) Math.round(yd(y));
        }
    }
}
