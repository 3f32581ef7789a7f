#pragma once
// Attention heatmaps: every head's row-normalised P^h (rows = queries i, columns = keys j) as a small
// grid, plus one enlarged with axes and a colour scale with its explicit range (viridis: perceptually
// uniform, colour-blind safe). Order by index or by cluster (stable while the partition is unchanged).
// Hover shows i, j, P_ij; the selected token's row and column are outlined; a click selects a token.
// Signed kernels can also show the signed weights on a diverging map centred on 0 (colour range choice).
// GUI thread.
#include "render/PlotPanel.h"

#include <Eigen/Core>
#include <QImage>

#include <vector>

class QComboBox;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;

namespace attnsphere::render {

class HeatmapGrid;

class AttentionHeatmapPanel : public PlotPanel {
    Q_OBJECT
public:
    enum class Order { Index, Cluster };
    // Colour range: 0 … max P, 0 … 1, or the signed weights on −max|w| … +max|w| (signed kernels only).
    enum class Range { ZeroToMax, ZeroToOne, Signed };
    explicit AttentionHeatmapPanel(QWidget* parent = nullptr);
    void addFrame(const core::Frame& frame) override;
    void refresh() override;
    void showFrame(const core::Frame& frame) override;
    void applyDisplayStyle() override;  // also the colour bar's width and the head labels

    void setOrder(Order order);
    void setEnlargedHead(int h);
    void setRange(Range range);
    Range range() const;
    bool signedRangeAvailable() const;
    int enlargedHead() const { return m_enlarged; }
    // Colour of cell (i, j) of head h as drawn (i, j are token indices, whatever the order); for tests.
    QColor cellColour(int h, int i, int j) const;
    double colourRangeMax() const { return m_rangeMax; }
    // The colour scale's range and axis label as drawn (for tests).
    QCPColorScale* colourScale() const { return m_scale; }
    QCustomPlot* enlargedPlot() const { return m_plot; }
    // Token at displayed cell (row, column) of the enlarged map; -1 outside.
    int tokenAtRow(int row) const;

private:
    friend class HeatmapGrid;
    void rebuildImages();
    void takeAttention(const core::Frame& frame);  // the matrices of `frame`, if it has them
    bool showingSigned() const;
    const std::vector<Eigen::MatrixXf>& shownMatrices() const;
    int displayIndexOf(int token) const;  // displayed row/column of a token, -1 if none
    // Whether matrix cell (row, col) holds only keys the mask hides from its queries (causal: j > i).
    bool maskedCell(int row, int col) const;
    bool eventFilter(QObject* watched, QEvent* event) override;
    bool cellAt(const QPoint& pos, int& row, int& col) const;

    QCustomPlot* m_plot;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemRect* m_rowMark = nullptr;
    QCPItemRect* m_colMark = nullptr;
    HeatmapGrid* m_grid;
    QComboBox* m_orderBox;
    QComboBox* m_rangeBox;
    Order m_order = Order::Cluster;
    int m_enlarged = 0;
    int m_n = 0, m_stride = 1;
    std::vector<Eigen::MatrixXf> m_attention, m_signed;
    bool m_signedKernel = false;
    core::AttentionMask m_mask = core::AttentionMask::None;
    std::vector<int> m_labels;
    std::vector<int> m_perm;  // displayed position -> matrix row/column
    std::vector<int> m_inverse;
    std::vector<QImage> m_images;
    double m_rangeMax = 1.0;
    bool m_hasNew = false;
};

}  // namespace attnsphere::render
